@testable import Audit
import Intervals
import Testing
import Train

/// A bound that turned NaN (an overflow's `∞ − ∞` or `0 · ∞`) stays unbounded: Swift's `max`
/// drops a NaN that comes second, which made a NaN logit error give a small seed bound.
@Suite("NaN error bounds")
struct NaNBoundTests {
  @Test func theLargestOfBoundsWithANaNIsInfinite() {
    typealias B = GradientErrorBound
    #expect(B.largest([1, .nan, 2]) == .infinity)
    #expect(B.largest([.nan, 1]) == .infinity)
    #expect(B.largest(0, .nan) == .infinity && B.largest(.nan, 0) == .infinity)
    #expect(B.largest([1, 3, 2]) == 3 && B.largest(4, 2) == 4)
  }

  /// Softmax cross-entropy's seed bound with a NaN logit error in second place is not finite for
  /// that example (it was the bound of the other logits' errors) and stays finite for the other.
  @Test func aNaNLogitErrorLeavesTheSeedUnbounded() throws {
    let model = try Sequential(try ModelSpec(parsing: "input 4\ndense 3\nloss softmax_cross_entropy\n"), seed: 1, certificates: .builtIn)
    let batch = try GradientBatch(features: [1, 2, 3, 4, 0.5, -1, 2, 0], labels: [0, 2], width: 4)
    let enclosure = try GradientEnclosure<IntervalVector>(
      model: model, rules: try TransformerGradientAuditTests.rules(model), batch: batch, precision: 64, threads: 1)
    try enclosure.forward()
    try enclosure.backward()
    let p = ErrorPropagation(enclosure)
    let loss = try #require(model.loss as? any LossErrorModel)
    let seed = loss.seedError(logits: [1e-7, .nan, 1e-7, 1e-7, 1e-7, 1e-7], p)
    #expect(seed[0..<3].allSatisfy { !$0.isFinite }, "\(seed)")
    #expect(seed[3..<6].allSatisfy { $0.isFinite && $0 < 1e-5 }, "\(seed)")
  }

  /// A softmax row (attention's weights, `softmax_last`) with a NaN logit error after the first.
  @Test func aNaNLogitErrorLeavesTheSoftmaxRowUnbounded() {
    let row = SoftmaxRow.forwardError(weights: [0.5, 0.5, 0.1], magnitudes: [1, 1, 1], errors: [1e-7, .nan, 1e-7])
    #expect(row.allSatisfy { !$0.isFinite }, "\(row)")
    let finite = SoftmaxRow.forwardError(weights: [0.5, 0.5, 0.1], magnitudes: [1, 1, 1], errors: [1e-7, 1e-7, 1e-7])
    #expect(finite.allSatisfy { $0.isFinite && $0 < 1e-5 }, "\(finite)")
  }
}
