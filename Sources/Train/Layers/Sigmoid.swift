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

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var lastOutput: UnsafeMatrix<Float>?

  public init(name: String, width: Int, shape: [Int]? = nil) {
    self.name = name
    inputWidth = width
    inputShape = shape ?? [width]
    precondition(inputShape.reduce(1, *) == width, "shape \(inputShape) does not hold \(width) values")
    output = Workspace(columns: width)
    inputGradient = Workspace(columns: width)
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    Sigmoid.forward(x: input, into: y)
    lastOutput = y
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    guard let y = lastOutput, y.rows == outputGradient.rows else {
      preconditionFailure("\(name): backward without a matching forward")
    }
    let dx = inputGradient.matrix(rows: y.rows)
    Sigmoid.backward(output: y, outputGradient: outputGradient, into: dx)
    return dx
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
    try Elementwise.backward(block: certifiedBlock, operands) { x, dy, dx in
      forward(x: x, into: dx)  // sigmoid(x), then overwritten in place by the rule
      backward(output: dx, outputGradient: dy, into: dx)
    }
  }
}
