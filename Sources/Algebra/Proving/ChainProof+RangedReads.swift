internal import ProofKernel

extension ChainProof {
  /// `Γ, holds(R(e)) ⊢ g[e] = da[e]` from a cotangent equation proved under the range of its own
  /// indices, `Γ, holds(R(j)) ⊢ g[j] = da[j]` (batch norm's input cotangent, the loss's over a
  /// batch): both sides read through `sum(j | j == e and R(j))`, so that `cong` puts each range
  /// hypothesis under a guard that states it (`discharge` covers it by that guard), `delta-elim`
  /// leaves `[R(e)] * g[e] = [R(e)] * da[e]`, and `assume` takes the bracket off under
  /// `holds(R(e))`, which the sums binding `e` state where the equation is used (as for the
  /// equation proved again at `e`, `cotangentRead`). A dozen steps, where proving it again at `e`
  /// normalized the cotangent anew: a convolution's bias and weight read batch norm's cotangent at
  /// indices of their own. Any other hypothesis on `j` (a layer norm's `var(j) + eps > 0`, the
  /// ranges an attention's cotangent states under its own sums) is carried as `cong` quantifies
  /// it, `forall j | j == e and R(j). h(j)`, and discharged where the proof ends, as the one proved
  /// again at `e` would carry `h(e)` (ViT proved 19 of its layer norms' and attentions' cotangents
  /// again, each two normalizations and a comparison). Throws where `e` reads a name of `j`: then
  /// the equation is proved again at `e`.
  func rangedInstance(_ equation: (step: Int, definition: Definition), at e: [Affine]) throws -> Int {
    let theorem = builder.theorem(equation.step)
    guard case let .reference(g, _) = theorem.lhs.node else { throw ProofFailure.kernel("not a cotangent equation") }
    let js = g.parameters
    if e == (try js.map { try Affine.index($0) }) { return equation.step }
    guard e.allSatisfy({ $0.indices.isDisjoint(with: js) }) else { throw ProofFailure.unsupported("\(g.name) read at its own indices' names") }
    var ranges: [Constraint] = []
    for case let .holds(r) in theorem.hypotheses where !r.isFalse && !r.indices.isDisjoint(with: js) { ranges += r.constraints }
    let pinned = try Guard(equal: try zip(js, e).map { try Affine.index($0).plus($1.scaled(by: -1)) })
    let delta = try Term.sum(js, try pinned.and(try Guard(ranges)), theorem.lhs)
    var left = try builder.start(delta), right = try builder.start(delta)
    try right.rewrite(at: [0], by: equation.step)
    for j in js { try left.apply(.deltaElim(j), at: []); try right.apply(.deltaElim(j), at: []) }
    // `forall j. [j == e and R(j)] -> holds(R_k(j))`: covered by its own guard. Every other
    // hypothesis stays as `cong` quantified it.
    let joined = try builder.apply(.trans(try builder.apply(.sym(left.step)), right.step))
    let stated = builder.theorem(joined).hypotheses.filter { h in
      guard case let .forAll(bs, _, .holds) = h else { return true }
      return !Set(bs).isSubset(of: js)
    }
    let bracketed = try builder.apply(.discharge(joined, stating: stated))
    return try builder.apply(.trans(try builder.apply(.sym(try unbracketing(left.current))), try builder.apply(.trans(bracketed, try unbracketing(right.current)))))
  }

  /// `holds(G) ⊢ [G] * t = t` (`⊢ t = t` for `t` with no bracket in front).
  private func unbracketing(_ term: Term) throws -> Int {
    var chain = try builder.start(term)
    guard case let .mul(fs) = term.node, fs.count == 2, case let .bracket(g) = fs[0].node else { return chain.step }
    try chain.rewrite(at: [0], by: try builder.apply(.assume(.holds(g), instance: [])))
    try chain.ring(at: [], to: fs[1])
    return chain.step
  }
}
