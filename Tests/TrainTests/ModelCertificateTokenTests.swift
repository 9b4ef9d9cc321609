import Foundation
import Testing
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

  @Test func printStatement() throws {
    print(try Self.statement(Self.vit).text)
  }
}
