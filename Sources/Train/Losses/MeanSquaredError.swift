/// Mean squared error, certified block `mse`: `L = (1 / n) * sum(i) (y[i] - t[i]) ^ 2`, with
/// gradient `vjp y[i] = (2 / n) * (y[i] - t[i])`.
///
/// With class labels, the target is the one-hot vector of the label.
public final class MeanSquaredError: LossKernels {
  public static let certifiedBlock = "mse"
  public static let ruleNames = ["mse.y"]
  /// `y` the model output, `t` the target.
  public static let operandNames = ["y", "t"]

  public var width: Int { passes.width }
  private var passes: OneHotLossPasses

  public init(width: Int) { passes = OneHotLossPasses(width: width) }

  package func reserve(batchCapacity: Int) { passes.reserve(batchCapacity: batchCapacity) }

  package func evaluate(_ output: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>, withGradient: Bool, meanOver count: Int)
    -> (loss: Double, gradient: UnsafeMatrix<Float>?)
  {
    passes.evaluate(output, labels: labels, withGradient: withGradient, meanOver: count) { y, t, g, scale in
      MeanSquaredError.evaluate(output: y, target: t, gradient: g, scale: scale)
    }
  }

  // MARK: - Kernel

  /// The sum over rows of the per-example loss; the gradient rows `scale * (2/n) (y - t)` into
  /// `gradient` when given.
  static func evaluate<S: TrainScalar>(
    output y: UnsafeMatrix<S>, target t: UnsafeMatrix<S>, gradient: UnsafeMatrix<S>?, scale: S
  ) -> Double {
    let n = y.columns
    let twoOverN = 2 / S(n)
    var total = 0.0
    for r in 0..<y.rows {
      let (yr, tr) = (y.row(r), t.row(r))
      var sum: S = 0
      for i in 0..<n {
        let d = yr[i] - tr[i]
        sum += d * d
      }
      total += Double(sum / S(n))
      if let gradient {
        let gr = gradient.row(r)
        for i in 0..<n { gr[i] = twoOverN * (yr[i] - tr[i]) * scale }
      }
    }
    return total
  }

  // MARK: - Rules on explicit operands

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try LossOperands.mean(block: certifiedBlock, output: "y", operands) { evaluate(output: $0, target: $1, gradient: $2, scale: $3) }
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try LossOperands.gradient(block: certifiedBlock, output: "y", operands) {
      evaluate(output: $0, target: $1, gradient: $2, scale: $3)
    }
  }
}
