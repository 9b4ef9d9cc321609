/// Mean squared error, certified block `mse`: `L = (1 / n) * sum(i) (y[i] - t[i]) ^ 2`, with
/// gradient `vjp y[i] = (2 / n) * (y[i] - t[i])`.
///
/// With class labels, the target is the one-hot vector of the label.
public final class MeanSquaredError: LossKernels {
  public static let certifiedBlock = "mse"
  public static let ruleNames = ["mse.y"]
  /// `y` the model output, `t` the target.
  public static let operandNames = ["y", "t"]

  public let width: Int
  private var targets: OneHotTargets
  private var gradient: Workspace<Float>

  public init(width: Int) {
    self.width = width
    targets = OneHotTargets(classes: width)
    gradient = Workspace(columns: width)
  }

  package func reserve(batchCapacity: Int) {
    targets.reserve(rows: batchCapacity)
    gradient.reserve(rows: batchCapacity)
  }

  package func evaluate(_ output: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>, withGradient: Bool)
    -> (loss: Double, gradient: UnsafeMatrix<Float>?)
  {
    precondition(output.columns == width && output.rows == labels.count, "loss shape mismatch")
    let t = targets.matrix(for: labels)
    let g = withGradient ? gradient.matrix(rows: output.rows) : nil
    let total = MeanSquaredError.evaluate(output: output, target: t, gradient: g, scale: 1 / Float(output.rows))
    return (total / Double(output.rows), g)
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
    var (_, y, t) = try LossOperands.read(block: certifiedBlock, output: "y", operands)
    let rows = y.shape[0]
    let total = y.withMatrix { y in t.withMatrix { t in evaluate(output: y, target: t, gradient: nil, scale: 1) } }
    return Tensor(shape: [], scalars: [S(total / Double(rows))])
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var (reader, y, t) = try LossOperands.read(block: certifiedBlock, output: "y", operands)
    var g = Tensor<S>(zeros: y.shape)
    let scale = 1 / S(y.shape[0])
    _ = y.withMatrix { y in t.withMatrix { t in g.withMatrix { g in evaluate(output: y, target: t, gradient: g, scale: scale) } } }
    return ["mse.y": reader.shaped(g)]
  }
}
