import Exact
@testable import Algebra
import ProofKernel
import Testing

/// A certificate keeps only the steps its theorem rests on: the pruned list replays from scratch to
/// the same theorem, and a step the theorem needs is never dropped.
@Suite("Step pruning")
struct StepPruningTests {
  func replayed(_ steps: [Step]) throws -> Theorem {
    var derivation = Derivation()
    for step in steps { try derivation.apply(step) }
    return derivation.theorems[steps.count - 1]
  }

  @Test func unusedStepsAreDroppedAndTheRestRenumbered() throws {
    let x = Term.constant(Rational(2)), y = Term.constant(Rational(3))
    // 0: x = x (unused), 1: y = y, 2: y = y by sym of 1 (unused), 3: y = y by trans(1, 1).
    let steps: [Step] = [.refl(x), .refl(y), .sym(1), .trans(1, 1)]
    let pruned = StepPruning.pruned(steps)
    #expect(pruned == [.refl(y), .trans(0, 0)])
    #expect(try replayed(pruned).serialized() == replayed(steps).serialized())
  }

  /// A proof by the chain rule tries candidates in the derivation itself; what is left after
  /// pruning still replays to the statement, and every step but the last is used by a later one.
  @Test func aChainRuleProofReplaysAfterPruning() throws {
    let document = try TheoremLanguage.parse(DeepNetworks.residual(blocks: 3), file: "deep.thm")
    let outcome = Prover.prove(try #require(document.statements.last))
    let theorem = try #require(outcome.theorem)
    #expect(try replayed(outcome.steps).serialized() == theorem.serialized())
    let used = Set(outcome.steps.flatMap(\.premises))
    #expect(outcome.steps.indices.dropLast().allSatisfy(used.contains))
  }
}
