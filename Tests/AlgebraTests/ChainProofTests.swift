import Algebra
import ProofKernel
import Testing

/// Gradients of composed definitions proved layer by layer (ChainProof): the proof uses the
/// kernel's `chain` rule, and a wrong backward definition is not proved.
@Suite("Chain rule proofs")
struct ChainProofTests {
  func statement(_ text: String) throws -> Statement {
    let document = try TheoremLanguage.parse(text, file: "deep.thm")
    return try #require(document.statements.last)
  }

  func chains(_ outcome: ProofOutcome) -> Int { outcome.steps.filter { if case .chain = $0 { true } else { false } }.count }

  @Test(arguments: [2, 3, 5])
  func tanhMLPGradientProvesByTheChainRule(depth: Int) throws {
    let outcome = Prover.prove(try statement(DeepNetworks.mlp(depth: depth, activation: "tanh", biases: false)))
    #expect(outcome.proved, "\(String(describing: outcome.failure))")
    #expect(chains(outcome) == 2 * depth - 1)  // one per layer below the loss
  }

  @Test func reluMLPWithBiasesCarriesItsConditions() throws {
    let outcome = Prover.prove(try statement(DeepNetworks.mlp(depth: 3, activation: "relu", biases: true)))
    #expect(outcome.proved, "\(String(describing: outcome.failure))")
    #expect(chains(outcome) == 5)
  }

  @Test func residualStackProvesByTheChainRule() throws {
    let outcome = Prover.prove(try statement(DeepNetworks.residual(blocks: 3)))
    #expect(outcome.proved, "\(String(describing: outcome.failure))")
    #expect(chains(outcome) >= 3)
  }

  @Test func aWrongBackwardDefinitionIsNotProved() throws {
    // The derivative of tanh is left out of the first layer's delta.
    let text = DeepNetworks.mlp(depth: 2, activation: "tanh", biases: false)
      .replacingOccurrences(of: "def e1[h: H] = (1 - tanh(z1[h]) ^ 2) *", with: "def e1[h: H] =")
    let outcome = Prover.prove(try statement(text))
    #expect(!outcome.proved)
  }
}
