/// The logistic function, certified block `sigmoid`: `y[i] = sigmoid(x[i])`,
/// `vjp x[i] = sigmoid(x[i]) * (1 - sigmoid(x[i])) * dy[i]`.
///
/// The backward pass reads `sigmoid(x)` from the forward output rather than recomputing it: the
/// same value, so the same formula.
public final class Sigmoid: LayerKernels {
  public static let certifiedBlock = "sigmoid"
  public static let ruleNames = ["sigmoid.x"]
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
    passes.forward(input) { x, y in Sigmoid.forward(x: x, into: y) }
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    return passes.backward(outputGradient, layer: name) { y, dy, dx in Sigmoid.backward(output: y, outputGradient: dy, into: dx) }
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
