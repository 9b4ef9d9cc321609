internal import ProofKernel

extension Prover {
  /// The stated equations `useHypotheses` may rewrite by, each with its `assume` instance and its
  /// left side: `a = b` itself; `forall c. [G] -> a = b` of one index (a batched loss's
  /// `forall ex: B. sum(i: N) target[ex, i] = 1`, stated for every example of a batch) at each free
  /// index `e` of the term, `a[c := e]` (the kernel's `assume` adds `G[c := e]` as a hypothesis,
  /// which `discharge` covers where `e` is bound under that range).
  static func equations(_ statement: Statement, free: Set<String>) throws -> [(Proposition, [Affine], Term)] {
    var out: [(Proposition, [Affine], Term)] = []
    for h in statement.assumptions {
      switch h {
      case let .equal(a, _): out.append((h, [], a))
      case let .forAll(cs, _, .equal(a, _)) where cs.count == 1:
        for e in free.sorted() {
          let at = try Affine.index(e)
          out.append((h, [at], try a.substituting([cs[0]: at])))
        }
      default: continue
      }
    }
    return out
  }
}
