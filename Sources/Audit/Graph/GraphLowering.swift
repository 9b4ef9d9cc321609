import Exact
import Train

/// A graph-shaped model (residual `add`, `from`, fan-out) as a chain of bound layers, so that every
/// tier and the attack bound it without a DAG engine of their own.
///
/// The chain runs on a vector that holds the current value first, then each value a later layer
/// still reads (values in the order they were kept). Before a layer, a `route` layer (0/1
/// coefficients: a selection, a permutation, a copy) brings its inputs to the front, followed by
/// the values read further down, a value read twice appearing twice; the layer then runs on the
/// front and the rest is carried through (`LiftedLayer`). `add` is the sparse affine map
/// `[a; b] ↦ a + b`.
///
/// Every step is an exact map, so the bounds are those of the graph: IBP adds the operands' boxes
/// at an `add`; CROWN's backward pass gives an `add`'s coefficients to both operands (the
/// transpose of `[I I]`) and sums the coefficients of a value's copies at a fan-out (the transpose
/// of a copy), rounding charged as for any sparse layer.
///
/// `mul` is refused with its reason: the product of two values that both depend on the input has
/// no linear relaxation implemented here.
enum GraphLowering {
  /// The chain of `spec`'s graph, its parameters read from `reader` in the spec's order.
  static func layers(of spec: ModelSpec, reader: inout CheckpointArrays, path: String) throws(AuditError) -> [any BoundLayer] {
    let count = spec.layers.count
    let shapes = [spec.inputShape] + spec.shapes  // by value: 0 the input, k + 1 layer k's output
    let widths = shapes.map { $0.reduce(1, *) }
    // The last layer reading each value; the logits are read by the margins.
    var lastRead = Array(repeating: -1, count: count + 1)
    for k in 0..<count { for v in spec.sources(of: k) { lastRead[v] = k } }
    lastRead[count] = count
    var state = [0]  // the values in the vector, in order
    var chain: [any BoundLayer] = []
    for (k, layer) in spec.layers.enumerated() {
      let reads = spec.sources(of: k)
      let carried = state.filter { lastRead[$0] > k }
      let target = reads + carried
      if target != state { chain.append(route(from: state, to: target, widths: widths)) }
      let passthrough = carried.reduce(0) { $0 + widths[$1] }
      let inner: (any BoundLayer)?
      switch layer {
      case .add:
        inner = addition(width: widths[reads[0]])
      case .mul:
        let text = "mul \(spec.graph?.name(of: reads[1]) ?? "")"
        throw AuditError.invalidArgument("\(path): layer \(k + 1) ('\(text)') is not bounded by the robustness audit: "
          + "mul multiplies two values that both depend on the input, a product with no sound relaxation implemented here")
      case .dropout:
        inner = nil  // the identity at evaluation: the front value is this layer's output
      default:
        inner = try LayerNetwork.boundLayer(
          layer, position: k, input: shapes[reads[0]], flattened: flattenedImage(before: reads[0], spec, shapes), reader: &reader, path: path
        ).0
      }
      if let inner { chain.append(passthrough == 0 ? inner : LiftedLayer(inner, passthrough: passthrough)) }
      state = [k + 1] + carried
    }
    return chain
  }

  /// The copy of the values `state` holds into the order `target` asks (a value may appear twice).
  static func route(from state: [Int], to target: [Int], widths: [Int]) -> SparseAffineLayer {
    var offset: [Int: Int] = [:], position = 0
    for v in state {
      offset[v] = position
      position += widths[v]
    }
    var rows: [[(input: Int, coefficient: Rational)]] = []
    for v in target {
      for i in 0..<widths[v] { rows.append([(offset[v]! + i, Rational(1))]) }
    }
    return try! SparseAffineLayer(kind: "route", inputWidth: position, rows: rows, bias: Array(repeating: 0, count: rows.count))
  }

  /// `[a; b] ↦ a + b` for `a`, `b` of `width` entries.
  static func addition(width: Int) -> SparseAffineLayer {
    let rows = (0..<width).map { [(input: $0, coefficient: Rational(1)), (input: width + $0, coefficient: Rational(1))] }
    return try! SparseAffineLayer(kind: "add", inputWidth: 2 * width, rows: rows, bias: Array(repeating: 0, count: width))
  }

  /// The image a flatten turned into `value` (through dropouts), whose shape a dense layer's stored
  /// weights keep; nil when `value` is not a flatten's output.
  private static func flattenedImage(before value: Int, _ spec: ModelSpec, _ shapes: [[Int]]) -> [Int]? {
    guard value > 0 else { return nil }
    let source = spec.sources(of: value - 1)[0]
    switch spec.layers[value - 1] {
    case .flatten: return shapes[source].count == 3 ? shapes[source] : nil
    case .dropout: return flattenedImage(before: source, spec, shapes)
    default: return nil
    }
  }
}
