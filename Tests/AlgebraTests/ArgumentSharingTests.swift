import Foundation
@testable import Algebra
import ProofKernel
import Testing

/// Max pooling's derivative repeats every nested `relu` argument in each of its terms, and its tie
/// conditions are hypotheses from the first step on (issue 17, speed). The engine normalizes each
/// distinct argument once, in a chain of its own, and normalizes the derivative in a chain that
/// does not carry the conditions, joined to them by one `trans`.
@Suite("Argument sharing")
struct ArgumentSharingTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Theorems")

  /// The proof of the 2 x 2 max pooling rule (Theorems/maxpool.thm), replayed step by step.
  func maxpoolProof() throws -> (steps: [Step], theorems: [Theorem]) {
    let text = try String(contentsOf: Self.folder.appendingPathComponent("maxpool.thm"), encoding: .utf8)
    let statement = try #require(try TheoremLanguage.parse(text, file: "Theorems/maxpool.thm").statements.first)
    let outcome = Prover.prove(statement)
    #expect(outcome.proved, "\(outcome.failure.map(String.init(describing:)) ?? "")")
    var derivation = Derivation()
    for step in outcome.steps { try derivation.apply(step) }
    return (outcome.steps, derivation.theorems)
  }

  @Test func theTieConditionsStayOffTheLongChain() throws {
    let (steps, theorems) = try maxpoolProof()
    let carrying = theorems.filter { !$0.hypotheses.isEmpty }.count
    // Every step carried the three conditions before; now the derivative's jvp, the joins and the
    // final comparison do.
    #expect(steps.count > 100)
    #expect(carrying * 10 < steps.count, "\(carrying) of \(steps.count) steps carry hypotheses")
    // The conditions are still there, on the conclusion.
    #expect(theorems.last?.hypotheses.isEmpty == false)
  }

  @Test func eachArgumentIsNormalizedOnce() throws {
    let (steps, _) = try maxpoolProof()
    var started: [Term: Int] = [:]
    for case let .refl(t) in steps { started[t, default: 0] += 1 }
    // The relu arguments of both sides are started as chains of their own, each once.
    #expect(started.count > 4)
    #expect(started.values.allSatisfy { $0 == 1 }, "\(started.filter { $0.value > 1 }.keys)")
  }
}
