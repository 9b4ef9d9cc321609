@testable import Evaluation
import Exact
import ProofKernel
import Testing

/// A numeric check's samples at sizes met before reuse the lowering (`TrialLowerings`): the reused
/// slots must read the new sample's indices and tensors, and lower nothing again.
@Suite struct TrialLoweringsTests {
  let x = vector("x")

  @Test func aReboundLoweringReadsTheNewSampleAndLowersNothingAgain() throws {
    let term = at(x, i("k")) * sum("i", d("n"), at(x, i("i")))
    let first = Environment(dimensions: ["n": 3], indices: ["k": 0], tensors: ["x": values(1, 2, 3)])
    var evaluator = ExactEvaluator(SlotValues(first, keepsDerivatives: false))
    #expect(try evaluator.value(of: term) == r(6))
    let slots = evaluator.indices.lowering.slotCount

    let second = Environment(dimensions: ["n": 3], indices: ["k": 2], tensors: ["x": values(4, 5, 6)])
    var again = ExactEvaluator(evaluator.indices.rebound(to: second))
    #expect(try again.value(of: term) == r(90))
    #expect(again.indices.lowering.slotCount == slots)

    // A free index the new sample has no value for is missing, not read from the old one.
    var without = ExactEvaluator(evaluator.indices.rebound(to: Environment(dimensions: ["n": 3], tensors: ["x": values(4, 5, 6)])))
    #expect(throws: EvaluationError.missingIndex("k")) { try without.value(of: term) }
  }

  @Test func aHypothesisDecidedAgainTakesNoNewSlots() throws {
    let positive = Proposition.forAll(["i"], axis("i", d("n")), .positive(at(x, i("i"))))
    let sample = Environment(dimensions: ["n": 2], tensors: ["x": values(1, 2)])
    var evaluator = ExactEvaluator(sample)
    #expect(try evaluator.holds(positive))
    let slots = evaluator.indices.lowering.slotCount
    var again = ExactEvaluator(evaluator.indices.rebound(to: Environment(dimensions: ["n": 2], tensors: ["x": values(1, -2)])))
    #expect(try !again.holds(positive))
    #expect(again.indices.lowering.slotCount == slots)
  }

  @Test func loweringsAreKeptPerSizeAndKind() {
    var lowerings = TrialLowerings()
    let small = Environment(dimensions: ["n": 2]), large = Environment(dimensions: ["n": 3])
    var evaluator = ExactEvaluator(lowerings.slots(for: small, keepsDerivatives: false))
    _ = try? evaluator.value(of: sum("i", d("n"), q(1)))
    lowerings.keep(evaluator.indices, keepsDerivatives: false)
    #expect(lowerings.slots(for: small, keepsDerivatives: false).lowering.slotCount > 0)
    #expect(lowerings.slots(for: large, keepsDerivatives: false).lowering.slotCount == 0)
    #expect(lowerings.slots(for: small, keepsDerivatives: true).lowering.slotCount == 0)
  }
}
