/// The hyperbolic tangent, certified block `tanh`: `y[i] = tanh(x[i])`,
/// `vjp x[i] = (1 - tanh(x[i]) ^ 2) * dy[i]`.
///
/// The backward pass reads `tanh(x)` from the forward output rather than recomputing it.
public final class Tanh: OutputActivation, LayerKernels {
  public static let certifiedBlock = "tanh"
  public static let ruleNames = ["tanh.x"]
  public static let operandNames = ["x"]

  public init(name: String, width: Int, shape: [Int]? = nil) {
    super.init(
      name: name, width: width, shape: shape, forward: { x, y in Tanh.forward(x: x, into: y) },
      backward: { y, dy, dx in Tanh.backward(output: y, outputGradient: dy, into: dx) })
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
