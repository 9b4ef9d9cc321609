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

  @Test func printStatement() throws {
    print(try Self.statement(Self.vit).text)
  }

  @Test(arguments: [0, 1, 2, 3])
  func probe(_ k: Int) throws {
    guard let which = ProcessInfo.processInfo.environment["PROBE"].flatMap(Int.init), which == k else { return }
    let specs = [
      "input 1x8x8\npatch_embed 4 4\nposition_embedding\ntoken_meanpool\ndense 3\nloss softmax_cross_entropy\n",
      "input 1x8x8\npatch_embed 4 4\nposition_embedding\nlayernorm\ntoken_meanpool\ndense 3\nloss softmax_cross_entropy\n",
      "input 1x8x8\npatch_embed 4 4\nposition_embedding\ndense 6\nattention_heads 2\ntoken_meanpool\ndense 3\nloss softmax_cross_entropy\n",
      Self.vit,
    ]
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: specs[k]), seed: 1)
    let start = Date()
    do {
      let c = try ModelCertificate.prove(model.schedule, cached: false)
      print("PROBE \(k): proved \(c.parameters.count) parameters, \(c.steps) steps in \(Date().timeIntervalSince(start)) s")
    } catch {
      print("PROBE \(k): \(error) after \(Date().timeIntervalSince(start)) s")
    }
  }

  @Test func chainProbe() throws {
    guard let which = ProcessInfo.processInfo.environment["CHAIN"].flatMap(Int.init) else { return }
    let specs = [Self.vit, "input 1x8x8\npatch_embed 4 4\nposition_embedding\nlayernorm\ntoken_meanpool\ndense 3\nloss softmax_cross_entropy\n"]
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: specs[which]), seed: 1)
    let written = try ModelStatement(model.schedule, blocks: { try BlockText.named($0, formulas: [:]) })
    let statements = try written.statements()
    let shared = ChainProof.Shared()
    for theorem in written.theorems {
      let start = Date()
      do {
        let proved = try ChainProof.attempt(statements[theorem.name]!, sharing: shared)
        print("CHAIN \(theorem.name): \(proved == nil ? "not applicable" : "proved") in \(Date().timeIntervalSince(start)) s")
      } catch {
        print("CHAIN \(theorem.name): failed in \(Date().timeIntervalSince(start)) s: \(error)")
      }
    }
  }
}
