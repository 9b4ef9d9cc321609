import Foundation
import ProofKernel
import Testing
@testable import Algebra
@testable import Train

/// The chain proof through a transformer's blocks (issue 22). Below a layer norm, the composed
/// cotangent has the norm's `mu`, `var`, `rstd` and `xhat` unfolded and reads the value below
/// with the range of the tensor that stood for it, while the statement's backward definition
/// reads them folded: recognised up to folding, under the hypothesis of its range
/// (`ChainProof+Folding.swift`). Below an attention, the same, with the stand-in's range also on
/// indices bound inside the cotangent (the key's tokens).
@Suite("Model certificates through layer norm and attention")
struct ModelCertificateTransformerChainTests {
  /// A layer norm on patch tokens, alone.
  static let layerNorm = """
    input 1x8x8
    patch_embed 4 4
    layernorm
    token_meanpool
    dense 3
    loss softmax_cross_entropy
    """

  /// An attention (its query/key/value projection, two heads, its output projection) on patch
  /// tokens, with a layer norm above it.
  static let attention = """
    input 1x8x8
    patch_embed 4 4
    dense 6
    attention_heads 2
    dense 4
    layernorm
    token_meanpool
    dense 3
    loss softmax_cross_entropy
    """

  static func statement(_ spec: String) throws -> (ModelStatement, [String: Statement]) {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: spec), seed: 1)
    let written = try ModelStatement(model.schedule, blocks: { try BlockText.named($0, formulas: [:]) })
    return (written, try written.statements())
  }

  /// Every gradient below the layer norm by the chain rule (no whole-network fallback: each
  /// theorem is proved by `ChainProof` itself, in one shared derivation), and the certificate
  /// replays; the statement keeps the norm's definitions folded.
  @Test func theGradientsBelowALayerNormAreProvedLayerByLayer() throws {
    let (written, statements) = try Self.statement(Self.layerNorm)
    #expect(written.text.contains("def da1[t: N6, t_1: N7, i: N4] = layernorm1_rstd[t, t_1] * (layernorm1_g[i] * ((1 / N6 / N7) * da3[i])"))
    let shared = ChainProof.Shared()
    for theorem in written.theorems {
      let statement = try #require(statements[theorem.name])
      let proved = try #require(try ChainProof.attempt(statement, sharing: shared), "\(theorem.name)")
      #expect(proved.theorem.lhs == statement.lhs && proved.theorem.rhs == statement.rhs)
    }
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.layerNorm), seed: 1)
    let certificate = try ModelCertificate.prove(model.schedule, cached: false)
    #expect(certificate.parameters.map(\.name) == ["dense1.W", "dense1.b", "layernorm1.g", "layernorm1.b", "patch_embed1.w", "patch_embed1.b"])
    // Top-down (`chain-def`): the norm's output, written with its definitions inlined, reads its
    // input alone and is one level of the chain (session 17; bottom-up `chain` before).
    #expect(certificate.derivation.steps.contains { if case .chainDef = $0 { true } else { false } })
    #expect(try certificate.verify(against: model.schedule).parameters == 6)
  }

  /// Below an attention, every gradient by the chain rule. The attention reads the dense layer's
  /// output at its parts 0, 1 and 2 of an axis stated as the number 3 (the trainer's: not a
  /// dimension), so `chain` puts that output back as the plain read; the composed cotangent then
  /// reads the value below with the stand-in's range inside the score's `exp`, on the key's token
  /// indices that the softmax's sums bind, which the recognition drops under the hypothesis of the
  /// sum that binds and states them (`ChainProof+Folding.swift`).
  @Test func theProjectionBelowAnAttentionIsProvedLayerByLayer() throws {
    let (written, statements) = try Self.statement(Self.attention)
    #expect(written.text.contains("dense1_W[3, N8, N9, N4]"))
    let shared = ChainProof.Shared()
    let names = written.theorems.map(\.name)
    #expect(names.prefix(8) == ["model.dense3.W", "model.dense3.b", "model.layernorm1.g", "model.layernorm1.b",
                                "model.dense2.W", "model.dense2.b", "model.dense1.W", "model.dense1.b"])
    for name in names.prefix(8) {
      let statement = try #require(statements[name])
      let proved = try #require(try ChainProof.attempt(statement, sharing: shared), "\(name)")
      #expect(proved.theorem.lhs == statement.lhs && proved.theorem.rhs == statement.rhs)
    }
  }

  /// The attention's input rule with the query's and the value's parts swapped (the rule of `V`
  /// where the query is read): the projection's gradient, which the same proof proves as stated,
  /// is not proved. (Refuting it with a counterexample evaluates the model in MPFI at each trial,
  /// minutes in a debug build; the model-certificate suites refute mis-wired models elsewhere.)
  @Test func aProjectionBelowAnAttentionWithItsPartsSwappedIsNotProved() throws {
    let (written, _) = try Self.statement(Self.attention)
    let swapped = written.text.replacingOccurrences(of: "[qkv_j == 0] * (", with: "[qkv_j == 9] * (")
      .replacingOccurrences(of: "[qkv_j == 2] * (", with: "[qkv_j == 0] * (").replacingOccurrences(of: "[qkv_j == 9] * (", with: "[qkv_j == 2] * (")
    #expect(swapped != written.text)
    let projection = try #require(try ModelCertificate.parse(swapped)["model.dense1.W"])
    #expect(throws: (any Error).self) { try ChainProof.attempt(projection, sharing: ChainProof.Shared()) }
  }

  /// A layer norm's two gradients routed to each other's parameter, above an attention: refused
  /// at the first, naming it, with a counterexample.
  @Test func aLayerNormsGradientsSwappedAreRefusedNamingThePlace() throws {
    var swapped = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.attention), seed: 1).schedule
    let k = try #require(swapped.steps.firstIndex { swapped.nodes[$0.node].block == "layernorm" })
    #expect(swapped.steps[k].gradients.map(\.parameter) == ["layernorm1.g", "layernorm1.b"])
    let rules = swapped.steps[k].gradients.map(\.rule)
    swapped.steps[k].gradients[0].rule = rules[1]
    swapped.steps[k].gradients[1].rule = rules[0]
    do {
      _ = try ModelCertificate.prove(swapped, cached: false)
      Issue.record("a mis-wired schedule was certified")
    } catch let ModelCertificateError.miswired(place, reason) {
      #expect(place == "the gradient of layernorm1.g (schedule step \(k), node layernorm1)", "\(place): \(reason)")
      #expect(reason.contains("counterexample"), "\(reason)")
    }
  }
}
