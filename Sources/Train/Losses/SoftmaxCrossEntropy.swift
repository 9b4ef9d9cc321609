/// Softmax cross-entropy, certified block `softmax_cross_entropy`:
/// `L = -sum(i) t[i] * (z[i] - log(sum(j) exp(z[j])))`, with gradient
/// `vjp z[i] = exp(z[i]) / sum(j) exp(z[j]) - t[i]` when the target sums to 1.
///
/// Evaluated stably: with `m = max(z)`, `log(sum exp z) = m + log(sum exp(z - m))` and
/// `exp(z[i]) / sum exp z = exp(z[i] - m) / sum exp(z - m)` — the same numbers, without overflow.
/// Loss and gradient come out of one pass over each row.
public final class SoftmaxCrossEntropy: LossKernels {
  public static let certifiedBlock = "softmax_cross_entropy"
  public static let ruleNames = ["softmax_cross_entropy.z"]
  /// `z` the logits, `t` the target distribution.
  public static let operandNames = ["z", "t"]

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
    let total = SoftmaxCrossEntropy.evaluate(logits: output, target: t, gradient: g, scale: 1 / Float(output.rows))
    return (total / Double(output.rows), g)
  }

  // MARK: - Kernel

  /// The sum over rows of the per-example loss; the gradient rows `scale * (softmax(z) - t)` into
  /// `gradient` when given (`scale = 1/B` for the batch mean).
  static func evaluate<S: TrainScalar>(
    logits z: UnsafeMatrix<S>, target t: UnsafeMatrix<S>, gradient: UnsafeMatrix<S>?, scale: S
  ) -> Double {
    let n = z.columns
    var total = 0.0
    for r in 0..<z.rows {
      let (zr, tr) = (z.row(r), t.row(r))
      var m = zr[0]
      for i in 1..<n where zr[i] > m { m = zr[i] }
      var sum: S = 0
      if let gradient {
        let gr = gradient.row(r)
        for i in 0..<n {
          let e = S.exponential(zr[i] - m)
          gr[i] = e
          sum += e
        }
        for i in 0..<n { gr[i] = (gr[i] / sum - tr[i]) * scale }
      } else {
        for i in 0..<n { sum += S.exponential(zr[i] - m) }
      }
      let logSumExp = m + S.logarithm(sum)
      var loss: S = 0
      for i in 0..<n where tr[i] != 0 { loss -= tr[i] * (zr[i] - logSumExp) }
      total += Double(loss)
    }
    return total
  }

  // MARK: - Rules on explicit operands

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    var (_, z, t) = try LossOperands.read(block: certifiedBlock, output: "z", operands)
    let rows = z.shape[0]
    let total = z.withMatrix { z in t.withMatrix { t in evaluate(logits: z, target: t, gradient: nil, scale: 1) } }
    return Tensor(shape: [], scalars: [S(total / Double(rows))])
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var (reader, z, t) = try LossOperands.read(block: certifiedBlock, output: "z", operands)
    var g = Tensor<S>(zeros: z.shape)
    let scale = 1 / S(z.shape[0])
    _ = z.withMatrix { z in t.withMatrix { t in g.withMatrix { g in evaluate(logits: z, target: t, gradient: g, scale: scale) } } }
    return ["softmax_cross_entropy.z": reader.shaped(g)]
  }
}
