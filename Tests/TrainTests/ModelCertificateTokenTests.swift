import Foundation
import Testing
@testable import Algebra
@testable import Train

/// Model certificates of transformers: the token values of a patch embedding stated on its patch
/// grid, the attention's query, key and value read from the one value the trainer's layer reads.
@Suite("Model certificates of transformers")
struct ModelCertificateTokenTests {
  /// A tiny ViT: 4 tokens (a 2 x 2 grid of 4 x 4 patches) of 4 features, one attention of 2 heads
  /// with a residual, mean-pooled to a 3-way head.
  static let vit = """
    input 1x8x8
    patch_embed 4 4
    x0 = position_embedding
    layernorm
    dense 6
    attention_heads 2
    dense 4
    add x0
    token_meanpool
    dense 3
    loss softmax_cross_entropy
    """

  static func statement(_ spec: String) throws -> ModelStatement {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: spec), seed: 1)
    return try ModelStatement(model.schedule, blocks: { try BlockText.named($0, formulas: [:]) })
  }

  /// The tokens of a patch embedding are stated on its patch grid (`T` split into two axes),
  /// an attention's output on its heads, the dense before an attention on `[T.., 3, H, E]` (its
  /// part axis the number 3, as in every model the trainer builds, not a dimension).
  @Test func aViTsTokensAreStatedOnThePatchGrid() throws {
    let text = try Self.statement(Self.vit).text
    #expect(text.contains("def a2[t: N6, t_1: N7, d: N4] = a1[t, t_1, d] + position_embedding1_P[t, t_1, d]"))
    #expect(text.contains("def a4[t: N6, t_1: N7, o: 3, o_1: N8, o_2: N9] = sum(i: N4) dense1_W[o, o_1, o_2, i] * a3[t, t_1, i] + dense1_b[o, o_1, o_2]"))
    // Q, K and V are the parts 0, 1 and 2 of the dense's output; the input's rule is the three
    // rules each where its part is.
    #expect(text.contains("def attention1_S[h: N8, t: N6, t_1: N7, s: N6, s_1: N7] = (1 / sqrt(N9)) * sum(e: N9) a4[t, t_1, 0, h, e] * a4[s, s_1, 1, h, e]"))
    #expect(text.contains("def da4[qkv_t: N6, qkv_t_1: N7, qkv_j: 3, qkv_h: N8, qkv_e: N9] = [qkv_j == 0] * ("))
    #expect(text.contains("[qkv_j == 2] * (sum(t: N6, t_1: N7) attention1_A[qkv_h, t, t_1, qkv_t, qkv_t_1] * da5[t, t_1, qkv_h, qkv_e])"))
    #expect(text.contains("def a6[t: N6, t_1: N7, o: N4] = sum(i: N8, i_1: N9) dense2_W[o, i, i_1] * a5[t, t_1, i, i_1] + dense2_b[o]"))
    // The mean over both token axes, divided by each; its cotangent written where it is read.
    #expect(text.contains("def a8[d: N4] = (1 / N6 / N7) * sum(t: N6, t_1: N7) a7[t, t_1, d]"))
    #expect(text.contains("def da2[j1: N6, j2: N7, j3: N4] = ((1 / N6 / N7) * da8[j3]) + da2_2[j1, j2, j3]"))
    #expect(text.contains("theorem model.position_embedding1.P: grad(loss, position_embedding1_P)[t, t_1, d] = da2[t, t_1, d]"))
    // A layer norm on the pooled vector (one token) has no token axis.
    let pooled = try Self.statement("input 1x8x8\npatch_embed 4 4\ntoken_meanpool\nlayernorm\ndense 3\nloss mse\n").text
    #expect(pooled.contains("def layernorm1_mu = (1 / N4) * sum(j: N4) a2[j]"))
    // Its output written with its definitions inlined, so that it reads `a2` alone (the top-down
    // chain takes it as one level); the definitions stay, for its rules.
    #expect(pooled.contains("def a3[i: N4] = layernorm1_g[i] * ((a2[i] - ((1 / N4) * sum(j_mu: N4) a2[j_mu])) * "), "\(pooled)")
    #expect(pooled.contains("def layernorm1_xhat[i: N4] = "))
    #expect(text.contains("def a5[t: N6, t_1: N7, h: N8, e: N9] = sum(s: N6, s_1: N7) (exp(((1 / sqrt(N9)) * sum(e_S: N9) a4[t, t_1, 0, h, e_S] * a4[s, s_1, 1, h, e_S])) / sum(r_A: N6, r_1_A: N7) "), "\(text)")
  }

  /// The top-down chain (Docs/Engine.md, "Top-down") through a residual add whose branch holds a
  /// layer norm and an attention, and through a layer norm above it: their outputs are written
  /// with the definitions inside the block inlined, so each reads its input alone and is one level
  /// (written through `xhat` or `A`, they read it beside `mu`, `rstd`, `A`, and every parameter
  /// below composed bottom-up, where the add's whole branch was one layer normalized whole:
  /// minutes for Models/vit.spec).
  @Test func aResidualOverAnAttentionAndALayerNormIsProvedTopDown() throws {
    let spec = Self.vit.replacingOccurrences(of: "token_meanpool", with: "layernorm\ntoken_meanpool")
    let statements = try Self.statement(spec).statements()
    let shared = ChainProof.Shared()
    // Below the residual add (both its addends depend on `P`), and the norm's gain above it.
    for name in ["model.layernorm2.g", "model.position_embedding1.P"] {
      let statement = try #require(statements[name])
      let proved = try #require(try ChainProof.attemptTopDown(statement, sharing: shared), "\(name)")
      #expect(proved.theorem.lhs == statement.lhs && proved.theorem.rhs == statement.rhs)
    }
    #expect(shared.builder.derivation.steps.contains { if case .fanOut = $0 { true } else { false } })
    // A cotangent proved under its range is proved again where it is read, at other indices
    // (`cotangentRead`): there the route that recognised it first is tried first, and holds at
    // once, where the first proof compared other candidates and routes before it.
    let again = shared.cotangentEquations.keys.filter { $0.contains("@") }
    #expect(!again.isEmpty)
    for key in again { #expect(shared.failedComparisons[key] == nil, "\(key)") }
    // None is normalized again: the layer norm's cotangent equation holds under the sign
    // condition of its variance at its own indices, `var(j) + eps > 0`, carried to the read as
    // `cong` quantifies it (`rangedInstance`), and discharged where the proof ends.
    #expect(shared.cotangentsProvedAgain == 0)
    // Below them (the candidate unfolded like the inlined block), the first proof goes to that
    // route at once too: the routes whose candidate reads other definitions than the cotangent
    // are put off, and a cotangent that carries its range inside its sums is compared with it
    // dropped first (each such level had failed two comparisons or more before).
    let below = shared.cotangentRoutes.filter { $0.value.like != nil }
    #expect(!below.isEmpty)
    for name in below.keys { #expect(shared.failedComparisons[name] == nil, "\(name)") }
  }

  /// A transformer's model certificate is not built with the model but proved on request, as a
  /// CNN's (Models/vit.spec in about 5 s, release; `certify train` proves it before training).
  /// Tokens given as the input, so that no convolution (`patch_embed`) decides it.
  @Test func aTransformersCertificateIsProvedOnRequest() throws {
    let tokens = "input 4x4\nx0 = position_embedding\nlayernorm\ndense 6\nattention_heads 2\ndense 4\nadd x0\ntoken_meanpool\ndense 3\nloss softmax_cross_entropy\n"
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: tokens), seed: 1)
    #expect(ModelCertificate.gap(of: model.schedule) == .onRequest(node: "position_embedding1"))
    #expect(ModelCertificate.Gap.onRequest(node: "position_embedding1").description.contains("transformer layer"))
  }

  /// The same add with its shortcut's contribution left out of the sum at the fan-out (the
  /// position embedding's cotangent is the branch's term only): the theorem is false, and not
  /// proved.
  @Test func aResidualOverAnAttentionWithoutItsShortcutIsNotProved() throws {
    let text = try Self.statement(Self.vit).text
    let sum = "def da2[j1: N6, j2: N7, j3: N4] = ((1 / N6 / N7) * da8[j3]) + da2_2[j1, j2, j3]"
    #expect(text.contains(sum))
    let dropped = text.replacingOccurrences(of: sum, with: "def da2[j1: N6, j2: N7, j3: N4] = da2_2[j1, j2, j3]")
    let statement = try #require(try ModelCertificate.parse(dropped)["model.position_embedding1.P"])
    #expect(throws: (any Error).self) { try ChainProof.attemptTopDown(statement, sharing: ChainProof.Shared()) }
  }

  /// Patch embedding, position embedding, a dense layer on the tokens with a residual, a mean
  /// and a head: every gradient proved layer by layer, and the certificate replays.
  static let residual = """
    input 1x8x8
    patch_embed 4 4
    x0 = position_embedding
    dense 4
    add x0
    token_meanpool
    dense 3
    loss softmax_cross_entropy
    """

  @Test func aResidualOverPatchTokensIsCertified() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.residual), seed: 1)
    let certificate = try ModelCertificate.prove(model.schedule, cached: false)
    #expect(certificate.parameters.map(\.name) == ["dense2.W", "dense2.b", "dense1.W", "dense1.b", "position_embedding1.P", "patch_embed1.w", "patch_embed1.b"])
    #expect(try certificate.verify(against: model.schedule).parameters == 7)
  }

  /// The residual add's two contributions swapped (each written for the other input): refused
  /// at the add's step, before anything is proved.
  @Test func swappedCotangentsAtAResidualAreRefusedNamingThePlace() throws {
    var swapped = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.residual), seed: 1).schedule
    let add = try #require(swapped.steps.firstIndex { swapped.nodes[$0.node].block == "add" })
    swapped.steps[add].writes.reverse()
    expectMiswired(swapped, at: "schedule step \(add) (node add1)", because: "no sum into")
  }
}
