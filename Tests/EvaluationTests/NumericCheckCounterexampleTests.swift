import Evaluation
import Exact
import ProofKernel
import Testing

/// Wrong rules are caught: a wrong table entry, a wrong chain rule, a missing transpose, a wrong
/// constant, a mask read from the wrong tensor, a missing hypothesis. Counterexamples that involve
/// irrational values are reported only with disjoint enclosures.
@Suite struct NumericCheckCounterexampleTests {
  let check = NumericCheck()
  let x = Layers.x, dx = Layers.dx, dy = Layers.dy

  @Test func wrongTableEntries() {
    // tanh' = 1 + tanh^2 and sigmoid' = sigmoid, as a kernel table might claim them.
    let th = apply(.tanh, access(x, "i"))
    let tanh = check.check(lhs: derivative(th, x, along: dx), rhs: (q(1) + pow(th, 2)) * access(dx, "i"))
    #expect(tanh.foundWithIntervals, "\(tanh)")
    let sigmoid = check.check(
      lhs: vjp(Layers.elementwise(.sigmoid), x, dy, at: "k"), rhs: apply(.sigmoid, access(x, "k")) * access(dy, "k"))
    #expect(sigmoid.found != nil, "\(sigmoid)")
    // log' = 1/x^2 instead of 1/x, under the right hypothesis.
    let log = check.check(
      lhs: derivative(apply(.log, access(x, "i")), x, along: dx), rhs: pow(access(x, "i"), -2) * access(dx, "i"),
      hypotheses: [forall("k", "n", .positive(access(x, "k")))])
    #expect(log.found != nil, "\(log)")
  }

  @Test func wrongChainRule() {
    // D exp(x[i]^2) = exp(x[i]^2) dx[i], forgetting the inner derivative 2 x[i].
    let inner = pow(access(x, "i"), 2)
    let outcome = check.check(lhs: derivative(apply(.exp, inner), x, along: dx), rhs: apply(.exp, inner) * access(dx, "i"))
    #expect(outcome.foundWithIntervals, "\(outcome)")
  }

  @Test func denseWithoutTranspose() {
    let (W, dy) = (Layers.weights, Layers.upstream)
    let outcome = check.check(
      lhs: vjp(Layers.dense, Layers.input, dy, at: "i"), rhs: sum("o", d("O"), access(W, "i", "o") * access(dy, "o")))
    guard let c = outcome.found, case let .exact(lhs) = c.lhs, case let .exact(rhs) = c.rhs else {
      Issue.record("expected an exact counterexample, got \(outcome)")
      return
    }
    #expect(lhs != rhs)
    #expect(c.description.contains("left side = \(lhs), right side = \(rhs)"))
  }

  @Test func meanSquaredErrorWithTheWrongConstant() {
    let outcome = check.check(
      lhs: gradient(Layers.meanSquaredError, x, at: "j"), rhs: Layers.meanSquaredErrorGradient(scale: 1))
    #expect(outcome.found != nil && !outcome.foundWithIntervals, "\(outcome)")
  }

  @Test func reluMaskFromTheSeed() {
    let outcome = check.check(
      lhs: vjp(Layers.elementwise(.relu), x, dy, at: "i"), rhs: apply(.step, access(dy, "i")) * access(dy, "i"),
      hypotheses: [forall("k", "n", .nonZero(access(x, "k")))])
    #expect(outcome.found != nil, "\(outcome)")
  }

  @Test func softmaxCrossEntropyNeedsTargetsSummingToOne() {
    let outcome = check.check(
      lhs: gradient(Layers.crossEntropy, Layers.logits, at: "k"), rhs: Layers.crossEntropyGradient,
      hypotheses: [inRange("k", "n")])
    #expect(outcome.foundWithIntervals, "\(outcome)")
  }

  @Test func aTinyDifferenceCountsOnlyOnceEnclosuresSeparate() {
    // 1 - tanh(20) is about 8.5e-18: 256-bit enclosures separate the sides, 40-bit ones do not.
    let (lhs, rhs) = (apply(.tanh, q(20)), q(1))
    #expect(NumericCheck(trials: 3).check(lhs: lhs, rhs: rhs).foundWithIntervals)
    #expect(NumericCheck(trials: 3, precision: 40).check(lhs: lhs, rhs: rhs).passedTrials == 3)
    // So too a wrong identity off by 10^-40.
    let a = tensor("a")
    let shifted = apply(.exp, access(a)) * (q(1) + .constant(Rational(1) / Rational(10).power(UInt(40))))
    #expect(check.check(lhs: shifted, rhs: apply(.exp, access(a))).foundWithIntervals)
  }

  @Test func inconclusiveWhenNothingCanBeEvaluated() {
    // A hypothesis no sample satisfies, and a derivative inside a derivative.
    let never = check.check(
      lhs: access(x, "i"), rhs: access(x, "i"), hypotheses: [.equal(access(x, "i"), access(x, "i") + q(1))])
    guard case let .inconclusive(reason) = never else {
      Issue.record("expected inconclusive, got \(never)")
      return
    }
    #expect(reason.contains("no sample could be evaluated"))
    let nested = derivative(derivative(pow(access(x, "i"), 3), x, along: dx), x, along: dy)
    guard case .inconclusive = check.check(lhs: nested, rhs: q(0)) else {
      Issue.record("expected inconclusive for a nested derivative")
      return
    }
  }

  @Test func hypothesesAreTrueOnlyWhenProved() throws {
    // exp(a) = exp(a) holds, but overlapping enclosures do not prove it: the sample is skipped.
    let a = tensor("a")
    let environment = Environment(tensors: ["a": TensorValue(scalar: r(1, 2))])
    let e = apply(.exp, access(a))
    let trial = try check.trial(lhs: q(0), rhs: q(1), hypotheses: [.equal(e, e)], in: environment)
    guard case .skipped = trial else {
      Issue.record("expected a skipped sample, got \(trial)")
      return
    }
    // exp(a) > 1 is proved by the enclosure, so the false statement 0 = 1 is reported.
    let proved = try check.trial(lhs: q(0), rhs: q(1), hypotheses: [.positive(e - q(1))], in: environment)
    guard case .disagreed = proved else {
      Issue.record("expected a counterexample, got \(proved)")
      return
    }
  }

  @Test func samplerSatisfiesLinearEquations() {
    let t = Layers.targets
    let environment = Environment(dimensions: ["n": 2], tensors: ["t": values(1, 3)])
    let rescaled = check.satisfyingHypotheses([Layers.targetsSumToOne], in: environment)
    #expect(rescaled.tensors["t"] == values(r(1, 4), r(3, 4)))
    // Targets summing to 0 cannot be rescaled: they are shifted.
    let balanced = Environment(dimensions: ["n": 2], tensors: ["t": values(1, -1)])
    let shifted = check.satisfyingHypotheses([Layers.targetsSumToOne], in: balanced)
    #expect(shifted.tensors["t"] == values(r(3, 2), r(-1, 2)))
    // Sign conditions: entries replaced by their magnitudes.
    let signs = Environment(dimensions: ["n": 2], tensors: ["t": values(0, -3)])
    let positive = check.satisfyingHypotheses([forall("k", "n", .positive(access(t, "k")))], in: signs)
    #expect(positive.tensors["t"] == values(1, 3))
  }
}
