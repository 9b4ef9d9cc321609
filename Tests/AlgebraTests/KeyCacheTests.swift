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

  /// Two copies of one definition (the kernel's `chain-def` rebuilds them) are different entries:
  /// comparing their contents walks the network below them, once per path through it, which made
  /// a deep model's look-ups cubic in its depth. Their keys still agree, as their contents do.
  @Test func copiesOfADefinitionAreDifferentEntriesWithOneKey() throws {
    let body = nest(access(x, "i"), 3)
    let d = try Definition("d", parameters: ["i"], shape: x.shape, body: body)
    let copy = try Definition("d", parameters: ["i"], shape: x.shape, body: body)
    let a = Term.apply(.relu, try .reference(d, [try .index("i")])), b = Term.apply(.relu, try .reference(copy, [try .index("i")]))
    #expect(a == b)  // the kernel's comparison, by content
    #expect(KeyCache.Shallow(term: a) == KeyCache.Shallow(term: a))
    #expect(KeyCache.Shallow(term: a) != KeyCache.Shallow(term: b))
    #expect(KeyCache.Shallow(term: plus(a, c(1))) != KeyCache.Shallow(term: plus(b, c(1))))
    #expect(KeyCache.Shallow(term: plus(a, c(1))) != KeyCache.Shallow(term: plus(a, c(2))))
    #expect(a.key == b.key)
    #expect(b.key == a.key)  // read from the table
  }
}
