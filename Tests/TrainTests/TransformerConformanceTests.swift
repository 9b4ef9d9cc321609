import Testing
@testable import Train

/// The transformer kernels held to the certified formulas of `Theorems/transformer.thm`: on random
/// small instances, forward and every backward rule, run in Double by the kernels the Float step
/// uses, agree with the certified formula evaluated exactly (or enclosed by MPFI at 256 bits where
/// `exp`, `erf`, `tanh` or a square root enter). Token operands are `[T, n]`, one example.
@Suite("Conformance of the transformer kernels to their certificates")
struct TransformerConformanceTests {
  let conformance = ConformanceTests()

  @Test func layernorm() throws {
    for seed in 0..<4 as Range<UInt64> {
      try conformance.check(LayerNorm.self, dims: ["T": 2, "n": 3],
                            shapes: ["x": ["T", "n"], "g": ["n"], "b": ["n"], "dy": ["T", "n"]], constants: ["eps": 0.5], seed: seed)
    }
  }

  @Test func softmaxOverTheLastAxis() throws {
    for seed in 0..<4 as Range<UInt64> {
      try conformance.check(Softmax.self, dims: ["T": 2, "n": 3], shapes: ["z": ["T", "n"], "dy": ["T", "n"]], seed: seed)
    }
  }

  @Test func gelu() throws {
    for seed in 0..<4 as Range<UInt64> {
      try conformance.check(GELU.self, dims: ["n": 5], shapes: ["x": ["n"], "dy": ["n"]], seed: seed)
      try conformance.check(GELUTanh.self, dims: ["n": 5], shapes: ["x": ["n"], "dy": ["n"]], seed: seed)
    }
  }

  @Test func denseTokens() throws {
    for seed in 0..<4 as Range<UInt64> {
      try conformance.check(DenseTokens.self, dims: ["T": 3, "I": 2, "O": 2],
                            shapes: ["x": ["T", "I"], "W": ["O", "I"], "b": ["O"], "dy": ["T", "O"]], seed: seed)
    }
  }

  @Test func positionEmbeddingAndMeanPool() throws {
    for seed in 0..<4 as Range<UInt64> {
      try conformance.check(PositionEmbedding.self, dims: ["T": 3, "D": 2], shapes: ["x": ["T", "D"], "P": ["T", "D"], "dy": ["T", "D"]], seed: seed)
      try conformance.check(TokenMeanPool.self, dims: ["T": 3, "D": 2], shapes: ["x": ["T", "D"], "dy": ["D"]], seed: seed)
    }
  }

  /// 7 x 7 patches of a 15 x 14 image: the last row is in no patch, so its gradient is 0.
  @Test func patchEmbedding() throws {
    for seed in 0..<2 as Range<UInt64> {
      try conformance.check(PatchEmbed.self, dims: ["C": 2, "D": 2, "H": 15, "W": 14, "K": 7, "GH": 2, "GW": 2],
                            shapes: ["x": ["C", "H", "W"], "w": ["D", "C", "K", "K"], "b": ["D"], "dy": ["GH", "GW", "D"]], seed: seed)
      // 4 x 4 patches of a 9 x 8 image: the last row is unread.
      try conformance.check(PatchEmbed4.self, dims: ["C": 1, "D": 2, "H": 9, "W": 8, "K": 4, "GH": 2, "GW": 2],
                            shapes: ["x": ["C", "H", "W"], "w": ["D", "C", "K", "K"], "b": ["D"], "dy": ["GH", "GW", "D"]], seed: seed)
    }
  }

  @Test func attentionHeads() throws {
    for seed in 0..<3 as Range<UInt64> {
      try conformance.check(AttentionHeads.self, dims: ["T": 3, "H": 2, "E": 2],
                            shapes: ["Q": ["T", "H", "E"], "K": ["T", "H", "E"], "V": ["T", "H", "E"], "dy": ["T", "H", "E"]], seed: seed)
    }
  }
}
