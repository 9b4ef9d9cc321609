/// The logistic function, certified block `sigmoid`: `y[i] = sigmoid(x[i])`,
/// `vjp x[i] = sigmoid(x[i]) * (1 - sigmoid(x[i])) * dy[i]`.
///
/// The backward pass reads `sigmoid(x)` from the forward output rather than recomputing it: the
/// same value, so the same formula.
public final class Sigmoid: OutputActivation, LayerKernels {
  public static let certifiedBlock = "sigmoid"
  public static let ruleNames = ["sigmoid.x"]
  public static let operandNames = ["x"]

  public init(name: String, width: Int, shape: [Int]? = nil) {
    super.init(
      name: name, width: width, shape: shape, forward: { x, y in Sigmoid.forward(x: x, into: y) },
      backward: { y, dy, dx in Sigmoid.backward(output: y, outputGradient: dy, into: dx) })
  }

  // MARK: - Kernels

  /// `y = 1 / (1 + e^-x)`, evaluated as `e^x / (1 + e^x)` for negative `x` so that no
  /// intermediate overflows.
  static func forward<S: TrainScalar>(x: UnsafeMatrix<S>, into y: UnsafeMatrix<S>) {
    let (xs, ys) = (x.base, y.base)
    for k in 0..<x.count {
      let v = xs[k]
      if v >= 0 {
        ys[k] = 1 / (1 + S.exponential(-v))
      } else {
        let e = S.exponential(v)
        ys[k] = e / (1 + e)
      }
    }
  }

  /// `dx = y * (1 - y) * dy` with `y = sigmoid(x)`.
  static func backward<S: TrainScalar>(output y: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>) {
    let (ys, dys, dxs) = (y.base, dy.base, dx.base)
    for k in 0..<y.count { dxs[k] = ys[k] * (1 - ys[k]) * dys[k] }
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
