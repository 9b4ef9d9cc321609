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
  /// indices of their own. Throws where a hypothesis on `j` is not a guard, or `e` reads a name
  /// of `j`: then the equation is proved again at `e`.
  func rangedInstance(_ equation: (step: Int, definition: Definition), at e: [Affine]) throws -> Int {
    let theorem = builder.theorem(equation.step)
    guard case let .reference(g, _) = theorem.lhs.node else { throw ProofFailure.kernel("not a cotangent equation") }
    let js = g.parameters
    if e == (try js.map { try Affine.index($0) }) { return equation.step }
    guard e.allSatisfy({ $0.indices.isDisjoint(with: js) }) else { throw ProofFailure.unsupported("\(g.name) read at its own indices' names") }
    var ranges: [Constraint] = [], others: [Proposition] = []
    for h in theorem.hypotheses {
      if h.freeIndices.isDisjoint(with: js) { others.append(h); continue }
      guard case let .holds(r) = h, !r.isFalse else { throw ProofFailure.unsupported("a hypothesis of \(g.name)'s equation is not a range") }
      ranges += r.constraints
    }
    let pinned = try Guard(equal: try zip(js, e).map { try Affine.index($0).plus($1.scaled(by: -1)) })
    let delta = try Term.sum(js, try pinned.and(try Guard(ranges)), theorem.lhs)
    var left = try builder.start(delta), right = try builder.start(delta)
    try right.rewrite(at: [0], by: equation.step)
    for j in js { try left.apply(.deltaElim(j), at: []); try right.apply(.deltaElim(j), at: []) }
    // `forall j. [j == e and R(j)] -> holds(R_k(j))`: covered by its own guard.
    let bracketed = try builder.apply(.discharge(try builder.apply(.trans(try builder.apply(.sym(left.step)), right.step)), stating: others))
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
