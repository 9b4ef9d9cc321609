/// The mean of each channel, certified block `global_avgpool` of `Theorems/cnn.thm`:
/// `y[c] = (1 / H) (1 / W) sum(h, w) x[c, h, w]`, `vjp x[c, h, w] = (1 / H) (1 / W) dy[c]`.
/// A `[C, H, W]` image becomes a vector of `C` values.
public final class GlobalAvgPool: LayerKernels {
  public static let certifiedBlock = "global_avgpool"
  public static let ruleNames = ["global_avgpool.x"]
  public static let operandNames = ["x"]

  public let name: String
  public let inputShape: [Int]
  public var inputWidth: Int { inputShape.reduce(1, *) }
  public var outputWidth: Int { inputShape[0] }
  public var parameters: [Parameter] { [] }

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>

  public init(name: String, input: [Int]) {
    precondition(input.count == 3, "global_avgpool reads a CxHxW image, not \(input)")
    self.name = name
    inputShape = input
    output = Workspace(columns: input[0])
    inputGradient = Workspace(columns: input.reduce(1, *))
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    GlobalAvgPool.forward(x: input, channels: inputShape[0], into: y)
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    let dx = inputGradient.matrix(rows: outputGradient.rows)
    GlobalAvgPool.backward(outputGradient: outputGradient, into: dx)
    return dx
  }

  // MARK: - Kernels

  static func forward<S: TrainScalar>(x: UnsafeMatrix<S>, channels: Int, into y: UnsafeMatrix<S>) {
    let plane = x.columns / channels
    let scale = 1 / S(plane)
    for r in 0..<x.rows {
      for c in 0..<channels {
        let values = x.row(r) + c * plane
        var sum: S = 0
        for k in 0..<plane { sum += values[k] }
        y[r, c] = sum * scale
      }
    }
  }

  static func backward<S: TrainScalar>(outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>) {
    let plane = dx.columns / dy.columns
    let scale = 1 / S(plane)
    for r in 0..<dy.rows {
      for c in 0..<dy.columns { (dx.row(r) + c * plane).update(repeating: dy[r, c] * scale, count: plane) }
    }
  }

  // MARK: - Rules on explicit operands

  /// Operands: `x` (`[C, H, W]` or `[B, C, H, W]`); `backward` also `dy` (`[C]` or `[B, C]`).
  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    var x = try image(operands)
    let batch = x.shape.count == 4 ? x.shape[0] : 1
    let channels = x.shape[x.shape.count - 3]
    var y = Tensor<S>(zeros: x.shape.count == 4 ? [batch, channels] : [channels])
    x.withUnsafeMutableBufferPointer { xs in
      y.withUnsafeMutableBufferPointer { ys in
        forward(x: UnsafeMatrix(xs.baseAddress!, rows: batch, columns: xs.count / batch), channels: channels,
                into: UnsafeMatrix(ys.baseAddress!, rows: batch, columns: channels))
      }
    }
    return y
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    let x = try image(operands)
    let batch = x.shape.count == 4 ? x.shape[0] : 1
    let channels = x.shape[x.shape.count - 3]
    var dy = try OperandReader(block: certifiedBlock, operands).tensor("dy")
    guard dy.shape == (x.shape.count == 4 ? [batch, channels] : [channels]) else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'dy' has shape \(dy.shape); expected one value per channel")
    }
    var dx = Tensor<S>(zeros: x.shape)
    dy.withUnsafeMutableBufferPointer { dys in
      dx.withUnsafeMutableBufferPointer { dxs in
        backward(outputGradient: UnsafeMatrix(dys.baseAddress!, rows: batch, columns: channels),
                 into: UnsafeMatrix(dxs.baseAddress!, rows: batch, columns: dxs.count / batch))
      }
    }
    return [ruleNames[0]: dx]
  }

  private static func image<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    let x = try OperandReader(block: certifiedBlock, operands).tensor("x")
    guard x.shape.count == 3 || x.shape.count == 4 else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'x' has shape \(x.shape); expected [C, H, W] or [B, C, H, W]")
    }
    return x
  }
}
