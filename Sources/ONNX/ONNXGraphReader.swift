import Train

/// The graph walked node by node (ONNX lists nodes in a topological order) into Certify layers,
/// the values each reads, and their tensors: a graph-shaped `ModelSpec` (`ValueGraph`) when some
/// node reads a value other than the one the node before wrote, a plain sequence otherwise.
///
/// Values are numbered as `ValueGraph` numbers them: 0 the model's input, `k + 1` layer `k`'s
/// output. `values` maps each ONNX value name to its number; a dropped node (`Identity`, a
/// `Softmax` at the output) makes its output another name of its input's value. An `Add` of two
/// computed values is Certify's `add` (a residual shortcut), a `Mul` of two its `mul`; a value
/// read by several nodes is a fan-out. Each layer's tensors are kept in the order the trainer
/// stores them (parameters, then statistics).
struct ONNXGraphReader {
  let path: String
  private var constants: [String: Onnx_TensorProto] = [:]
  private let outputName: String
  /// The number of nodes (and the graph output) reading each value name.
  private let readers: [String: Int]
  private var values: [String: Int]
  /// The shape of each value, by number, in Certify's terms (`[n]` or `[C, H, W]`).
  private(set) var shapes: [[Int]]
  private(set) var layers: [LayerSpec] = []
  private(set) var reads: [[Int]] = []
  private(set) var tensors: [[[Float]]] = []
  private(set) var notes: [String] = []
  /// `Sub` and `Div` of constants read on the input before any layer (`InputNormalization`).
  private(set) var normalization: [InputNormalization.Step] = []
  /// The node that wrote each layer, for errors about its output.
  private var writers: [NodePosition] = []
  /// The name by which a value was first read, for the spec's text.
  private var referenceNames: [Int: String] = [:]
  /// Dense layers a `MatMul` began, by the MatMul's output, whose bias an `Add` of a constant may give.
  private var openMatMuls: [String: Int] = [:]
  private var finishedAtSoftmax = false

  init(graph: Onnx_GraphProto, path: String) throws(ONNXError) {
    self.path = path
    let initializers = Dictionary(graph.initializer.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    constants = initializers
    let inputs = graph.input.filter { initializers[$0.name] == nil }
    guard inputs.count == 1 else {
      throw ONNXError.unsupportedModel(path: path, reason: "the graph has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); Certify's models take one")
    }
    guard graph.output.count == 1 else {
      throw ONNXError.unsupportedModel(path: path, reason: "the graph has \(graph.output.count) outputs; Certify's models give one")
    }
    outputName = graph.output[0].name
    values = [inputs[0].name: 0]
    shapes = [try Self.readInputShape(inputs[0], path: path)]
    var readers: [String: Int] = [outputName: 1]
    for node in graph.node { for name in Set(node.input) where !name.isEmpty { readers[name, default: 0] += 1 } }
    self.readers = readers
  }

  /// The input's shape without its batch axis: `[N, F]` is a vector of F values, `[N, C, H, W]`
  /// an image; leading axes of size 1 before a vector (`[1, 1, 1, 5]`) are dropped.
  private static func readInputShape(_ input: Onnx_ValueInfoProto, path: String) throws(ONNXError) -> [Int] {
    let reason = "input '\(input.name)'"
    guard input.type.tensorType.elemType == Onnx_TensorProto.ElementType.float else {
      throw ONNXError.unsupportedModel(path: path, reason: "\(reason) is not a float32 tensor")
    }
    let dims = input.type.tensorType.shape.dim
    let sizes = dims.dropFirst().map { $0.dimValue > 0 ? Int($0.dimValue) : nil }
    guard dims.count >= 2, sizes.allSatisfy({ $0 != nil }) else {
      throw ONNXError.unsupportedModel(path: path, reason: "\(reason) needs a shape [batch, features] or [batch, C, H, W] with known sizes after the batch axis")
    }
    let known = sizes.map { $0! }
    if known.dropLast().allSatisfy({ $0 == 1 }) { return [known.last!] }
    guard known.count == 3 else {
      throw ONNXError.unsupportedModel(path: path, reason: "\(reason) has shape \(known) after the batch axis; Certify takes vectors and CxHxW images")
    }
    return known
  }

  /// Maps one node, or throws naming it.
  mutating func append(_ node: Onnx_NodeProto, index: Int) throws(ONNXError) {
    let position = NodePosition(index: index, name: node.name, operator_: node.opType)
    let path = self.path
    let refuse = { (reason: String) -> ONNXError in .unsupportedNode(path: path, node: position, reason: reason) }
    guard node.domain.isEmpty || node.domain == "ai.onnx" else {
      throw refuse("operator domain '\(node.domain)' is not read; Certify reads the default ONNX domain")
    }
    if node.opType == "Constant" {
      guard node.output.count == 1, let value = node.attribute.first(where: { $0.name == "value" }), value.hasT else {
        throw refuse("only Constant nodes with a 'value' tensor are read")
      }
      var tensor = value.t
      tensor.name = node.output[0]
      constants[node.output[0]] = tensor
      return
    }
    if finishedAtSoftmax {
      throw refuse("it follows the Softmax, which Certify reads only as the last node")
    }
    guard ONNXOperators.layers.contains(node.opType) || ONNXOperators.dropped.contains(node.opType)
      || ONNXOperators.normalization.contains(node.opType) else {
      throw refuse("operator \(node.opType) is not supported; Certify reads \(ONNXOperators.supportedList)")
    }
    guard let output = node.output.first, !output.isEmpty else { throw refuse("it has no output") }
    let computed = node.input.filter { !$0.isEmpty && constants[$0] == nil }
    var sources: [Int] = []
    for name in computed {
      guard let value = values[name] else {
        throw refuse("it reads '\(name)', which is neither the graph's input, a constant, nor written by a node before it (nodes must be in topological order)")
      }
      sources.append(value)
      if referenceNames[value] == nil { referenceNames[value] = name }
    }
    if ONNXOperators.normalization.contains(node.opType) {
      try normalize(node, computed: computed, sources: sources, output: output, position: position, refuse: refuse)
      return
    }
    if sources.count == 2, node.opType == "Add" || node.opType == "Mul" {
      try combine(node, sources: sources, output: output, position: position, refuse: refuse)
      return
    }
    guard sources.count == 1 else {
      throw refuse(sources.isEmpty
        ? "it reads only constants; Certify reads nodes that compute on the input (fold constants before exporting, e.g. with onnxsim)"
        : "it reads \(sources.count) computed values (\(computed.joined(separator: ", "))); Certify combines two values only in Add (a residual sum) and Mul")
    }
    let input = InputValue(name: computed[0], value: sources[0], shape: shapes[sources[0]],
                           isOnlyRead: readers[computed[0]] == 1, openMatMul: openMatMuls[computed[0]])
    var mapper = NodeMapper(node: node, input: input, graphOutput: outputName, constant: { [constants] in constants[$0] }, refuse: refuse)
    let mapped = try mapper.map()
    if let bias = mapped.bias {
      tensors[bias.layer][1] = bias.values
      openMatMuls[computed[0]] = nil
    }
    var value = sources[0]
    for layer in mapped.layers {
      let shape: [Int]
      do { shape = try layer.spec.outputShape(input: shapes[value]).get() } catch { throw refuse("\(error)") }
      value = appendLayer(layer.spec, reads: [value], shape: shape, tensors: layer.tensors, writer: position)
    }
    values[output] = value
    if mapped.opensMatMul { openMatMuls[output] = layers.count - 1 }
    if let note = mapped.note { notes.append("\(position): \(note)") }
    if node.opType == "Softmax" { finishedAtSoftmax = true }
  }

  /// `Add` or `Mul` of two computed values of one shape: Certify's `add` or `mul` layer.
  private mutating func combine(_ node: Onnx_NodeProto, sources: [Int], output: String, position: NodePosition,
                                refuse: (String) -> ONNXError) throws(ONNXError) {
    guard node.attribute.isEmpty else { throw refuse("attribute \(node.attribute.map(\.name).sorted().joined(separator: ", ")) is not read") }
    let (a, b) = (shapes[sources[0]], shapes[sources[1]])
    guard a == b else {
      throw refuse("it combines values of shapes \(Self.text(a)) and \(Self.text(b)); Certify's \(node.opType == "Add" ? "add" : "mul") takes two values of one shape (no broadcasting)")
    }
    values[output] = appendLayer(node.opType == "Add" ? .add : .mul, reads: sources, shape: a, tensors: [], writer: position)
  }

  /// `Sub` or `Div` of a constant on the model's input, before any layer: a step of its input
  /// normalisation, its output another name of the input. Refused anywhere else, of two computed
  /// values, with the constant first (`c − x`, `c / x`), or dividing by 0.
  private mutating func normalize(_ node: Onnx_NodeProto, computed: [String], sources: [Int], output: String, position: NodePosition,
                                  refuse: (String) -> ONNXError) throws(ONNXError) {
    let form = node.opType == "Sub" ? "x - c" : "x / c"
    guard node.attribute.isEmpty else { throw refuse("attribute \(node.attribute.map(\.name).sorted().joined(separator: ", ")) is not read") }
    guard node.input.count == 2, sources.count == 1, node.input[0] == computed[0], let c = constants[node.input[1]] else {
      throw refuse(sources.count == 1
        ? "only \(form) with a constant c is read (input normalisation, (x - mean) / std); here the constant is the first operand"
        : "\(node.opType) is read only of the input and a constant c, as \(form) (input normalisation, (x - mean) / std); this one reads \(sources.count) computed values")
    }
    guard sources[0] == 0, layers.isEmpty else {
      throw refuse("\(node.opType) of a constant is read only as input normalisation, on the model's input before its first layer")
    }
    guard readers[computed[0]] == 1 else {
      throw refuse("'\(computed[0])' is read by other nodes too; the input's normalisation must be its only reader")
    }
    let read: [Float]
    do { read = try c.floatValues() } catch { throw refuse(error.reason) }
    guard let expanded = Self.broadcast(read, dims: c.shape, to: shapes[0]) else {
      throw refuse("the constant of shape \(c.shape) does not broadcast to the input's \([1] + shapes[0]) (one value, one per channel, or one per input value)")
    }
    if expanded.contains(where: { !$0.isFinite }) { throw refuse("the constant has an infinite or NaN value") }
    if node.opType == "Div", expanded.contains(0) { throw refuse("it divides by 0") }
    normalization.append(node.opType == "Sub" ? .subtract(expanded) : .divide(expanded))
    values[output] = 0
    notes.append("\(position): \(node.opType) of a constant read as the input's normalisation, exactly")
  }

  /// `values` of a constant of shape `dims` broadcast to a value of `shape` (batch axis first,
  /// NumPy's rules: axes aligned at the right, each of size 1 or the value's), one per value in
  /// storage order; nil when it does not broadcast.
  static func broadcast(_ values: [Float], dims: [Int], to shape: [Int]) -> [Float]? {
    let target = [1] + shape
    guard dims.count <= target.count, values.count == dims.reduce(1, *) else { return nil }
    let aligned = [Int](repeating: 1, count: target.count - dims.count) + dims
    guard zip(aligned, target).allSatisfy({ $0 == 1 || $0 == $1 }) else { return nil }
    var strides = [Int](repeating: 0, count: aligned.count), step = 1
    for k in aligned.indices.reversed() {
      strides[k] = aligned[k] == 1 ? 0 : step
      step *= aligned[k]
    }
    return (0..<shape.reduce(1, *)).map { flat in
      var rest = flat, index = 0
      for k in target.indices.reversed() {
        index += (rest % target[k]) * strides[k]
        rest /= target[k]
      }
      return values[index]
    }
  }

  private mutating func appendLayer(_ spec: LayerSpec, reads: [Int], shape: [Int], tensors: [[Float]], writer: NodePosition) -> Int {
    layers.append(spec)
    self.reads.append(reads)
    self.tensors.append(tensors)
    shapes.append(shape)
    writers.append(writer)
    return layers.count
  }

  private static func text(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }

  /// The spec (loss: softmax cross-entropy for a classifier, mean squared error for one output)
  /// and each layer's tensors. The graph is kept only when some layer reads other than the layer
  /// before; a value read further down takes its ONNX name when that is a valid spec name.
  func finish() throws(ONNXError) -> (ModelSpec, [[[Float]]]) {
    guard let output = values[outputName] else {
      throw ONNXError.unsupportedModel(path: path, reason: "no node writes the graph's output '\(outputName)'")
    }
    guard output == layers.count else {
      throw ONNXError.unsupportedModel(path: path, reason: "the graph's output '\(outputName)' is not the last node's value; Certify's models give the last layer's output")
    }
    guard case .dense = layers.last else {
      throw ONNXError.unsupportedModel(path: path, reason: "the last layer is \(layers.last.map { "'\($0.text)'" } ?? "missing"); Certify's models end with a dense layer (Gemm or MatMul)")
    }
    let loss: LossSpec = shapes[output] == [1] ? .mse : .softmaxCrossEntropy
    let plain = reads.enumerated().allSatisfy { $0.element == [$0.offset] }
    guard !plain else { return (ModelSpec(inputShape: shapes[0], layers: layers, loss: loss), tensors) }
    var graph = ValueGraph(inputs: reads)
    let uses = graph.uses(values: layers.count + 1)
    if let unused = uses.indices.dropFirst().first(where: { uses[$0] == 0 }) {
      throw ONNXError.unsupportedNode(path: path, node: writers[unused - 1], reason: "its value is read by no later node nor is it the graph's output; remove the branch")
    }
    let spec = ModelSpec(inputShape: shapes[0], layers: layers, loss: loss, graph: graph)
    graph.names = names(for: graph)
    let named = ModelSpec(inputShape: shapes[0], layers: layers, loss: loss, graph: graph)
    // The names are only for the spec's text: keep them when that text reads back as this model.
    let readsBack = (try? ModelSpec(parsing: named.text))?.graph?.inputs == reads
    return (readsBack ? named : spec, tensors)
  }

  /// The ONNX name (as first read) of each value a layer reads other than as the line before, when it is a spec
  /// value name (letters, digits, `_`; not a keyword).
  private func names(for graph: ValueGraph) -> [Int: String] {
    var names: [Int: String] = [:], taken: Set<String> = []
    for (k, reads) in graph.inputs.enumerated() {
      for (slot, v) in reads.enumerated() where v != 0 && (slot > 0 || v != k) && names[v] == nil {
        guard let name = referenceNames[v], name.first.map({ $0.isLetter || $0 == "_" }) == true,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
              !["from", "add", "mul", "input", "loss"].contains(name), !taken.contains(name) else { continue }
        names[v] = name
        taken.insert(name)
      }
    }
    return names
  }
}

/// The computed value a node reads, as the mapper sees it.
struct InputValue {
  let name: String
  let value: Int
  let shape: [Int]
  /// Whether this node is its only reader (a bias may then be merged into the layer that wrote it).
  let isOnlyRead: Bool
  /// The dense layer a `MatMul` writing this value began, awaiting its bias.
  let openMatMul: Int?
}
