/// The wiring of a graph-shaped model: which values each layer reads, and the names the spec gives
/// values. A plain sequence of layers has none (`ModelSpec.graph` is nil): each layer reads the
/// one before it.
///
/// Values are numbered: 0 is the model's input, `k + 1` the output of layer `k`. A layer reads only
/// values numbered below its own output, so the layers in spec order are a topological order of
/// the graph and it has no cycle. The loss reads the last layer's output.
///
///     input 16
///     dense 16
///     h = relu           # names value 2
///     dense 16
///     add h              # reads value 3 (the line before) and h: [[3, 2]]
///     dense 10
///     loss softmax_cross_entropy
///
/// `add NAME` and `mul NAME` combine the current value with `NAME` (same shape); `from NAME` in
/// front of a statement makes it read `NAME` instead of the line before; a value read twice (a
/// fan-out) receives the sum of its cotangents in the backward pass (`BackwardSchedule`).
public struct ValueGraph: Equatable, Sendable {
  /// For each layer, the values it reads, in the order of its block's inputs.
  public var inputs: [[Int]]
  /// The names the spec gives values, by number (the canonical text writes them back).
  public var names: [Int: String]

  public init(inputs: [[Int]], names: [Int: String] = [:]) {
    self.inputs = inputs
    self.names = names
  }

  /// The name a reference to `value` is written with: its own, `input` for the model's input,
  /// `v<k>` for an unnamed one (a graph built in code).
  public func name(of value: Int) -> String {
    value == 0 ? "input" : names[value] ?? "v\(value)"
  }

  /// The same graph with a name for every value a layer reads other than as the line before
  /// (`v<k>` where the spec gave none), so that its text can refer to it.
  var withReferencesNamed: ValueGraph {
    var named = self
    for (k, reads) in inputs.enumerated() {
      for (slot, v) in reads.enumerated() where v != 0 && (slot > 0 || v != k) && named.names[v] == nil {
        named.names[v] = "v\(v)"
      }
    }
    return named
  }

  /// How many times each value is read (the loss reads the last one).
  public func uses(values count: Int) -> [Int] {
    var uses = Array(repeating: 0, count: count)
    for reads in inputs { for v in reads { uses[v] += 1 } }
    uses[count - 1] += 1
    return uses
  }
}

extension ModelSpec {
  /// The values layer `k` reads (0 the model's input, `j + 1` layer `j`'s output).
  public func sources(of k: Int) -> [Int] { graph?.inputs[k] ?? [k] }

  /// Whether every layer reads the one before it (no names, `from`, `add` or `mul`).
  public var isSequence: Bool { graph == nil }

  /// The shape of each layer's (first) input, in order.
  public var inputShapes: [[Int]] {
    let values = [inputShape] + shapes
    return layers.indices.map { values[sources(of: $0)[0]] }
  }
}

extension ModelSpec {
  /// The canonical line of layer `k` of a graph: `NAME = ` when its output is named, `from NAME `
  /// when it does not read the line before, and the other operand of `add`/`mul`.
  func graphLine(_ k: Int, _ graph: ValueGraph, statement: String) -> String {
    let reads = graph.inputs[k]
    var line = graph.names[k + 1].map { "\($0) = " } ?? ""
    if reads[0] != k { line += "from \(graph.name(of: reads[0])) " }
    line += statement
    for other in reads.dropFirst() { line += " \(graph.name(of: other))" }
    return line
  }
}
