/// Max pooling over 2 x 2 windows with stride 2, certified rule `maxpool2_s2.x` of
/// `Theorems/maxpool.thm` (a theorem, not a layer block: `certify derive` cannot invert its
/// reads at `2p`, so the rule is stated and proved): the window's maximum as nested binary maxima,
///
///     y[c, p, q] = max(max(x[c, 2p, 2q], x[c, 2p, 2q + 1]), max(x[c, 2p + 1, 2q], x[c, 2p + 1, 2q + 1]))
///
/// with `max(a, b) = b + relu(a - b)`. The rule `maxpool2_s2.x` sends `dy[c, p, q]` to the entry
/// that is the maximum. It holds where no comparison ties (the block's three `assume` lines: the two
/// entries of each row differ, and so do the two rows' maxima). At a tie the trainer sends the
/// gradient to the first maximum of the window in row-major order (a subgradient) and counts the
/// window: `ties`, reported as the layer's kinks. Every window whose maximum is attained twice is
/// counted, and so is a window where two entries that are not the maximum are equal (the rule's
/// condition fails there too, though the maximum is differentiable).
public final class MaxPool: LayerKernels {
  public static let certifiedBlock = "maxpool2_s2"
  public static let ruleNames = ["maxpool2_s2.x"]
  public static let operandNames = ["x"]

  public let name: String
  public let geometry: WindowGeometry
  public var parameters: [Parameter] { [] }
  public var inputWidth: Int { geometry.inputCount }
  public var outputWidth: Int { geometry.channels * geometry.outputPlane }
  public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
  public var outputShape: [Int] { [geometry.channels, geometry.outputHeight, geometry.outputWidth] }

  /// Training windows where a comparison tied since the last `resetKinks()`.
  public private(set) var ties = 0

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  /// Per output, the offset in its example's input of the entry the maximum came from.
  private var source: [Int32] = []

  public init(name: String, input: [Int]) {
    self.name = name
    geometry = WindowGeometry(input: input, kernel: 2, stride: 2, padding: 0)
    output = Workspace(columns: geometry.channels * geometry.outputPlane)
    inputGradient = Workspace(columns: geometry.inputCount)
  }

  public func resetKinks() { ties = 0 }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
    let needed = batchCapacity * outputWidth
    if source.count < needed { source = [Int32](repeating: 0, count: needed) }
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    precondition(source.count >= y.count, "\(name): forward before reserve")
    let found = source.withUnsafeMutableBufferPointer { MaxPool.forward(x: input, geometry: geometry, into: y, source: $0.baseAddress!) }
    if training { ties += found }
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    let dx = inputGradient.matrix(rows: outputGradient.rows)
    source.withUnsafeBufferPointer { MaxPool.backward(outputGradient: outputGradient, source: $0.baseAddress!, into: dx) }
    return dx
  }

  // MARK: - Kernels

  /// Each window's maximum, the offset of the first entry attaining it, and the number of windows
  /// where one of the rule's comparisons ties.
  static func forward<S: TrainScalar>(
    x: UnsafeMatrix<S>, geometry g: WindowGeometry, into y: UnsafeMatrix<S>, source: UnsafeMutablePointer<Int32>
  ) -> Int {
    let (oh, ow, w) = (g.outputHeight, g.outputWidth, g.width)
    var ties = 0
    for r in 0..<x.rows {
      let (xs, ys, sources) = (x.row(r), y.row(r), source + r * y.columns)
      for c in 0..<g.channels {
        for p in 0..<oh {
          for q in 0..<ow {
            let top = (c * g.height + 2 * p) * w + 2 * q
            let (a, b, d, e) = (xs[top], xs[top + 1], xs[top + w], xs[top + w + 1])
            let (upper, upperAt) = b > a ? (b, top + 1) : (a, top)
            let (lower, lowerAt) = e > d ? (e, top + w + 1) : (d, top + w)
            let k = (c * oh + p) * ow + q
            (ys[k], sources[k]) = lower > upper ? (lower, Int32(lowerAt)) : (upper, Int32(upperAt))
            if a == b || d == e || upper == lower { ties += 1 }
          }
        }
      }
    }
    return ties
  }

  /// `dx[source] = dy`, every other entry 0 (windows do not overlap).
  static func backward<S: TrainScalar>(outputGradient dy: UnsafeMatrix<S>, source: UnsafePointer<Int32>, into dx: UnsafeMatrix<S>) {
    dx.buffer.update(repeating: 0)
    for r in 0..<dy.rows {
      let (dys, dxs, sources) = (dy.row(r), dx.row(r), source + r * dy.columns)
      for k in 0..<dy.columns { dxs[Int(sources[k])] += dys[k] }
    }
  }

  // MARK: - Rules on explicit operands

  /// Operands: `x` (`[C, H, W]` or `[B, C, H, W]`); `backward` also `dy` (`[C, OH, OW]`, or with `B`).
  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try run(operands, backward: false)[certifiedBlock]!
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try run(operands, backward: true)
  }

  private static func run<S: TrainScalar>(_ operands: [String: Tensor<S>], backward: Bool) throws -> [String: Tensor<S>] {
    let reader = OperandReader(block: certifiedBlock, operands)
    var x = try reader.tensor("x")
    guard x.shape.count == 3 || x.shape.count == 4, x.shape.suffix(2).allSatisfy({ $0 >= 2 }) else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'x' has shape \(x.shape); expected [C, H, W] or [B, C, H, W] with H, W >= 2")
    }
    let batch = x.shape.count == 4 ? x.shape[0] : 1
    let g = WindowGeometry(input: Array(x.shape.suffix(3)), kernel: 2, stride: 2, padding: 0)
    let outputShape = x.shape.dropLast(2) + [g.outputHeight, g.outputWidth]
    var y = Tensor<S>(zeros: Array(outputShape))
    var sources = [Int32](repeating: 0, count: y.count)
    x.withUnsafeMutableBufferPointer { xs in
      y.withUnsafeMutableBufferPointer { ys in
        _ = forward(
          x: UnsafeMatrix(xs.baseAddress!, rows: batch, columns: g.inputCount), geometry: g,
          into: UnsafeMatrix(ys.baseAddress!, rows: batch, columns: ys.count / batch), source: &sources)
      }
    }
    guard backward else { return [certifiedBlock: y] }
    var dy = try reader.tensor("dy")
    guard dy.shape == y.shape else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'dy' has shape \(dy.shape); expected \(y.shape) like the output")
    }
    var dx = Tensor<S>(zeros: x.shape)
    dy.withUnsafeMutableBufferPointer { dys in
      dx.withUnsafeMutableBufferPointer { dxs in
        self.backward(
          outputGradient: UnsafeMatrix(dys.baseAddress!, rows: batch, columns: dys.count / batch), source: sources,
          into: UnsafeMatrix(dxs.baseAddress!, rows: batch, columns: g.inputCount))
      }
    }
    return [ruleNames[0]: dx]
  }
}
