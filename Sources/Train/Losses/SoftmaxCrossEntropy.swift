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

  public var width: Int { passes.width }
  private var passes: OneHotLossPasses

  public init(width: Int) { passes = OneHotLossPasses(width: width) }

  package func reserve(batchCapacity: Int) { passes.reserve(batchCapacity: batchCapacity) }

  package func evaluate(_ output: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>, withGradient: Bool, meanOver count: Int)
    -> (loss: Double, gradient: UnsafeMatrix<Float>?)
  {
    passes.evaluate(output, labels: labels, withGradient: withGradient, meanOver: count) { y, t, g, scale in
      SoftmaxCrossEntropy.evaluate(logits: y, target: t, gradient: g, scale: scale)
    }
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
    try LossOperands.mean(block: certifiedBlock, output: "z", operands) { evaluate(logits: $0, target: $1, gradient: $2, scale: $3) }
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try LossOperands.gradient(block: certifiedBlock, output: "z", operands) {
      evaluate(logits: $0, target: $1, gradient: $2, scale: $3)
    }
  }
}
