import Exact
import ProofKernel
import Testing
@testable import Algebra

/// The engine's remembered keys (`KeyCache`): a look-up hashes only a term's first nodes, so terms
/// alike there must still get their own keys, the same as printing them afresh.
@Suite("Key cache")
struct KeyCacheTests {
  let x = tensor("x", "n"), y = tensor("y", "n")

  /// `relu(relu(... relu(leaf + 1) ... + 1) + 1)`, `depth` deep: alike in their first 16 nodes for any leaf.
  func nest(_ leaf: Term, _ depth: Int) -> Term { depth == 0 ? leaf : .apply(.relu, plus(nest(leaf, depth - 1), c(1))) }

  @Test func termsAlikeInTheirFirstNodesKeepTheirOwnKeys() {
    let a = nest(access(x, "i"), 20), b = nest(access(y, "i"), 20), e = nest(access(x, "j"), 20)
    for _ in 0..<2 {  // the second round reads the remembered keys
      #expect(a.key == a.alphaKey)
      #expect(b.key == b.alphaKey)
      #expect(e.key == e.alphaKey)
      #expect(a.key != b.key)
      #expect(a.key != e.key)
    }
    // Equal up to renaming bound indices: one key, as `alphaKey` gives.
    #expect(total("i", "n", a).key == total("k", "n", nest(access(x, "k"), 20)).key)
  }
}
