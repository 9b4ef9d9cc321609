import Audit
import Exact
import Intervals
import Testing
import Train

/// The finite-difference checks run in Float64 on the same certified formulas: consistent with the
/// enclosed gradient, and not with a gradient that is wrong along the direction checked.
@Suite struct DirectionalCheckTests {
  @Test func float64QuotientsAgreeAndCatchAWrongGradient() throws {
    let model = try GradientAuditTests.model(GradientAuditTests.specs[1])
    let batch = try GradientAuditTests.batch(width: 4, count: 6, classes: 3)
    let rules = try Dictionary(uniqueKeysWithValues: model.ruleNames.map { ($0, try ReplayedRule.load($0, from: GradientAuditTests.store)) })
    let enclosure = try GradientEnclosure<IntervalVector>(model: model, rules: rules, batch: batch, precision: 128, threads: 2)
    try enclosure.forward()
    try enclosure.backward()
    let worker = try GradientEnclosure<DoubleValues>(model: model, rules: rules, batch: batch, precision: 53, threads: 2)
    let weights = model.parameters.map(\.value.scalars)
    let seeds: [UInt64] = [1, 2, 3]
    let good = try DirectionalCheck.run(enclosure: enclosure, worker: worker, weights: weights, seeds: seeds, step: Rational(1, 1024))
    #expect(good.count == 3 && good.allSatisfy { $0.consistent }, "\(good)")
    // The Float64 loss of the unperturbed weights is inside the loss's enclosure (up to Double rounding).
    try enclosure.forward()
    try worker.forward()
    let (lo, hi) = try enclosure.meanLoss(), point = try worker.meanLoss().lower
    #expect(lo - 1e-12 <= point && point <= hi + 1e-12, "\(point) vs [\(lo), \(hi)]")
    // Move the gradient by 0.03 v along the first direction: ⟨g + 0.03 v, v⟩ is off by 0.03 |v|²
    // (about 0.01), ten times the tolerance h · max(1, |⟨g, v⟩|).
    let v = DirectionalCheck.direction(counts: weights.map(\.count), seed: seeds[0])
    for (gradient, entries) in zip(enclosure.gradients, v) {
      for (k, x) in entries.enumerated() { gradient.add(k, try Rational(exactly: 0.03 * Double(x))) }
    }
    let bad = try DirectionalCheck.run(enclosure: enclosure, worker: worker, weights: weights, seeds: [seeds[0]], step: Rational(1, 1024))
    #expect(!bad[0].consistent && bad[0].gap > 5 * bad[0].tolerance, "\(bad)")
  }
}
