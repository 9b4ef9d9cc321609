/// The hyperbolic tangent, certified block `tanh`: `y[i] = tanh(x[i])`,
/// `vjp x[i] = (1 - tanh(x[i]) ^ 2) * dy[i]`.
///
/// The backward pass reads `tanh(x)` from the forward output rather than recomputing it.
public final class Tanh: LayerKernels {
  public static let certifiedBlock = "tanh"
  public static let ruleNames = ["tanh.x"]
  public static let operandNames = ["x"]

  public let name: String
  public let inputWidth: Int
  /// The shape of the values, `[width]` or an image's `[C, H, W]`: an elementwise layer keeps it.
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var outputWidth: Int { inputWidth }
  public var parameters: [Parameter] { [] }

  private var passes: OutputActivationPasses

  public init(name: String, width: Int, shape: [Int]? = nil) {
    self.name = name
    inputWidth = width
    inputShape = shape ?? [width]
    precondition(inputShape.reduce(1, *) == width, "shape \(inputShape) does not hold \(width) values")
    passes = OutputActivationPasses(width: width)
  }

  package func reserve(batchCapacity: Int) { passes.reserve(batchCapacity: batchCapacity) }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    passes.forward(input) { x, y in Tanh.forward(x: x, into: y) }
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    return passes.backward(outputGradient, layer: name) { y, dy, dx in Tanh.backward(output: y, outputGradient: dy, into: dx) }
  }

  // MARK: - Kernels

  static func forward<S: TrainScalar>(x: UnsafeMatrix<S>, into y: UnsafeMatrix<S>) {
    let (xs, ys) = (x.base, y.base)
    for k in 0..<x.count { ys[k] = S.hyperbolicTangent(xs[k]) }
  }

  /// `dx = (1 - y^2) * dy` with `y = tanh(x)`.
  static func backward<S: TrainScalar>(output y: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>) {
    let (ys, dys, dxs) = (y.base, dy.base, dx.base)
    for k in 0..<y.count { dxs[k] = (1 - ys[k] * ys[k]) * dys[k] }
  }

  // MARK: - Rules on explicit operands

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try Elementwise.forward(block: certifiedBlock, operands) { x, y in forward(x: x, into: y) }
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try Elementwise.backwardFromOutput(
      block: certifiedBlock, operands, forward: { forward(x: $0, into: $1) },
      backward: { backward(output: $0, outputGradient: $1, into: $2) })
  }
}
