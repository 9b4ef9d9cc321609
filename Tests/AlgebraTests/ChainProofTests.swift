@testable import Algebra
import Foundation
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

  /// The engine's keys are digests of content, never addresses: two parses of one network (other
  /// definition objects, allocated elsewhere), proved in either order, give the same steps and the
  /// same theorem, hypotheses in the same order (certify-cli's deep-certificate test runs two
  /// processes).
  @Test(arguments: ["tanh", "relu"])
  func proofsOfADeepNetworkDoNotDependOnWhereItsDefinitionsLive(activation: String) throws {
    let text = DeepNetworks.mlp(depth: 6, activation: activation, biases: true)
    let first = try statement(text), second = try statement(text)
    let b = Prover.prove(second), a = Prover.prove(first)
    let (ta, tb) = (try #require(a.theorem), try #require(b.theorem))
    #expect(try ta.serialized() == tb.serialized())
    #expect(a.steps == b.steps)
    #expect(activation == "tanh" || ta.hypotheses.count > 1)
  }

  /// A residual stack reaches block k's input by 2^k paths: a walk over definition bodies that does
  /// not remember what it has seen takes 2^depth steps. At 60 blocks only a walk that visits each
  /// definition once ends; it must still find every name.
  @Test func namesOfADeepResidualStackAreFoundByVisitingEachDefinitionOnce() throws {
    let s = try statement(DeepNetworks.residual(blocks: 60))
    let names = Prover.names(in: [s.lhs, s.rhs]), tensors = Prover.tensorNames(in: [s.lhs, s.rhs])
    #expect(names.isSuperset(of: ["n", "m", "p", "q"]))
    #expect(tensors.isSuperset(of: ["x", "t", "U1", "V1", "U60", "V60"]))
  }

  @Test func aWrongBackwardDefinitionIsNotProved() throws {
    // The derivative of tanh is left out of the first layer's delta.
    let text = DeepNetworks.mlp(depth: 2, activation: "tanh", biases: false)
      .replacingOccurrences(of: "def e1[h: H] = (1 - tanh(z1[h]) ^ 2) *", with: "def e1[h: H] =")
    let outcome = Prover.prove(try statement(text))
    #expect(!outcome.proved)
  }

  /// `a3` reads `a2` at `2*p + 1` (as max pooling does), which no guard keeps inside `a2`'s shape:
  /// the kernel's `chain` brackets the read, `[0 <= 2*p + 1 < H] * a2[...]`. A pinned `a2` (a sum
  /// over its own range) is 0 outside its shape, so the engine proves the bracket away once per
  /// read and the proof stays layer by layer (issue 22: a CNN's pooled convolution fell back to
  /// normalizing the whole network). An `a2` that is not pinned is not 0 there in general: the
  /// bracket is not proved away, and the chain proof fails.
  @Test(arguments: [true, false])
  func aValueReadOutsideItsShapeIsChainedWhenItIsPinned(pinned: Bool) throws {
    let a2 = pinned ? "sum(c_in: C, h_in: H | c_in == c, h_in == h) relu(a1[c_in, h_in])" : "relu(a1[c, h])"
    let s = try statement("""
      dim C, H, OH
      tensor x[C, H], w[C]
      def a1[c: C, h: H] = w[c] * x[c, h]
      def a2[c: C, h: H] = \(a2)
      def a3[c: C, p: OH] = a2[c, 2*p + 1] * a2[c, 2*p + 1]
      def loss = sum(c: C, p: OH) a3[c, p]
      theorem t: grad(loss, w)[c] = sum(p: OH | 2*p + 1 < H) 2 * a2[c, 2*p + 1] * step(a1[c, 2*p + 1]) * x[c, 2*p + 1]
        assume forall c: C, h: H. a1[c, h] != 0
      """)
    if pinned {
      let outcome = try #require(try ChainProof.attempt(s))
      #expect(outcome.proved, "\(String(describing: outcome.failure))")
      #expect(chains(outcome) >= 2)
    } else {
      #expect(throws: (any Error).self) { try ChainProof.attempt(s) }
    }
  }

  /// A file of the checked-in catalogue (Theorems/).
  func catalogue(_ name: String) throws -> Document {
    let file = CatalogueTests.root.appendingPathComponent("Theorems/" + name)
    return try TheoremLanguage.parse(try String(contentsOf: file, encoding: .utf8), file: "Theorems/" + name)
  }

  /// The strategy is tried only where the right side names a cotangent (a backward definition):
  /// the catalogue's layer norm rule, written with the forward values `rstd` and `xhat`, would have
  /// its chain proved and its comparison fail, and is normalized whole at once (Docs/Engine.md,
  /// "When it is tried").
  @Test func aGradientStatedWithForwardValuesOnlyIsNormalizedWhole() throws {
    let document = try catalogue("textbook.thm")
    let s = try #require(document.statements.first { $0.name == "layer_norm.x" })
    #expect(!ChainProof.namesCotangents(s))
    #expect(ChainProof.prove(s) == nil)
    // What the skipped attempt would have done: every layer proved, then the comparison refused.
    #expect(throws: (any Error).self) { try ChainProof.attempt(s) }
    let outcome = Prover.prove(s)
    #expect(outcome.proved, "\(String(describing: outcome.failure))")
    #expect(chains(outcome) == 0)
  }

  /// mlp_mse's gradients name their cotangent `g`: `prove` still proves them by the chain rule.
  @Test func theCatalogueMLPGradientsAreProvedByTheChainRule() throws {
    let document = try catalogue("mlp_mse.thm")
    let gradients = document.statements.filter { $0.name.hasPrefix("grad_") }
    #expect(gradients.count == 5)
    for s in gradients {
      #expect(ChainProof.namesCotangents(s), "\(s.name)")
      let outcome = Prover.prove(s)
      let composed = outcome.steps.contains { if case .chainDef = $0 { true } else if case .chain = $0 { true } else { false } }
      #expect(outcome.proved && composed, "\(s.name)")
    }
  }
}
