internal import ProofKernel

/// The free indices of a term and of each subterm `Lowering` lowers, in the term's shape: made in
/// one walk, bottom-up, so that lowering reads a subterm's free indices (its memo key) instead of
/// walking the subterm again at every level (`Term.freeIndices` per subterm made lowering
/// quadratic in the nesting depth, a tenth of `certify check`).
///
/// The same sets as `Term.freeIndices`, node for node; `children` follow the subterms `Lowering`
/// descends into: a `sum`'s body, the terms of `+` and `*`, the base of a power, the argument of a
/// function, the body of `D`, the output of `vjp`. A reference has none here: its unfolded body is
/// a new term, given a tree of its own when it is lowered.
struct FreeIndexTree {
  let names: Set<String>
  let children: [FreeIndexTree]

  init(_ t: Term) {
    switch t.node {
    case .constant, .dimension, .named:
      (names, children) = ([], [])
    case let .access(_, indices), let .reference(_, indices):
      (names, children) = (indices.reduce(into: []) { $0.formUnion($1.indices) }, [])
    case let .bracket(g):
      (names, children) = (g.indices, [])
    case let .sum(binders, g, body):
      let inner = FreeIndexTree(body)
      (names, children) = (g.indices.union(inner.names).subtracting(binders), [inner])
    case let .add(terms), let .mul(terms):
      let inner = terms.map(FreeIndexTree.init)
      (names, children) = (inner.reduce(into: []) { $0.formUnion($1.names) }, inner)
    case let .power(base, _), let .apply(_, base), let .derivative(base, _, _):
      let inner = FreeIndexTree(base)
      (names, children) = (inner.names, [inner])
    case let .vjp(v):
      let inner = FreeIndexTree(v.output)
      (names, children) = (v.at.reduce(into: inner.names.subtracting(v.binders)) { $0.formUnion($1.indices) }, [inner])
    }
  }
}
