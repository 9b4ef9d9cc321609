internal import ProofKernel

/// Recognising a cotangent below a layer with definitions inside it (a layer norm's `mu`, `var`,
/// `rstd`, `xhat`; an attention's `S`, `A` and its backward helpers `dA`, `dS`): the statement's
/// backward definition reads them folded, the composed cotangent has them unfolded, and reads the
/// value below with the range its stand-in tensor `u` had (Docs/Engine.md, "Composition").
extension ChainProof {
  /// `named` (a backward definition unfolded once, the candidate for the cotangent `content`) with
  /// every definition unfolded that the composed cotangent has unfolded, so that the two compare
  /// definition for definition: a layer is unfolded down to its dominator (`identity`), so every
  /// value above the level's definition `level` (one that depends on `x`, not `level` nor below
  /// it) is its body in `content`, and
  /// so is a backward helper the candidate reads (a definition of the statement's backward part
  /// other than a cotangent recognised above, `kept`, which stay folded on both sides). Definitions
  /// that do not depend on `x` stay folded on both sides, as the layer's identity kept them.
  /// Returns false when the candidate, so unfolded, reads a value that depends on `x` which
  /// `content` does not read: then it is not `content` (a cheap refusal of the wrong level).
  mutating func unfolding(_ named: inout Chain, like content: Term, keeping kept: Set<ObjectIdentifier>,
                          backward: Set<ObjectIdentifier>, below level: Definition) throws -> Bool {
    let present = Set(plan.references(in: content).map(ObjectIdentifier.init))
    var plan = self.plan
    defer { self.plan = plan }
    let below = Set(([level] + plan.dominators(of: level)).map(ObjectIdentifier.init))
    while let p = Normalizer.firstPath(in: named.current, where: { t in
      guard case let .reference(e, _) = t.node else { return false }
      let id = ObjectIdentifier(e)
      guard !present.contains(id), !kept.contains(id), !below.contains(id) else { return false }
      return backward.contains(id) || plan.dependsOnX(e)
    }) {
      try named.apply(.unfold, at: p)
    }
    return !plan.references(in: named.current).contains { d in
      !present.contains(ObjectIdentifier(d)) && !backward.contains(ObjectIdentifier(d)) && plan.dependsOnX(d)
    }
  }

  /// Whether a sum or bracket of `t` below its top has a constraint of `range` in its guard: the
  /// layer's identity read the value below as the tensor `u`, whose shape the normal form writes
  /// into every sum that reads it (`zero-ext`), also at the cotangent's own indices; after `chain`
  /// puts the definition back, those constraints stay, inside atoms (`(var + eps) ^ (-1/2)`)
  /// where the statement's definition has none.
  static func carries(_ range: Guard, in t: Term) -> Bool {
    let wanted = Set(range.constraints)
    func walk(_ t: Term, _ depth: Int) -> Bool {
      switch t.node {
      case let .sum(_, g, _), let .bracket(g): if depth > 0, g.constraints.contains(where: wanted.contains) { return true }
      default: break
      }
      return t.children.contains { walk($0, depth + 1) }
    }
    return walk(t, 0)
  }

  /// `holds(range) ⊢ a = b`: both normalized with definitions folded, every constraint of `range`
  /// then dropped from every sum and bracket under the hypothesis that it holds (`assume` gives
  /// `[range] = 1`), both normalized again and compared by `ring`. The hypothesis is on the
  /// cotangent's indices; `cong` puts the equation under the sums that bind them, whose guards
  /// state `range`, so `discharge` finds it there. Below an attention the stand-in's range is
  /// also on indices bound inside the cotangent (the key's token, bound by the softmax's sum,
  /// read inside the `exp` of the score): those constraints are dropped in the same way, each
  /// under the hypothesis that `cong` quantifies over the sum that binds and states them.
  func equal(_ a: Term, _ b: Term, in builder: ProofBuilder, dropping range: Guard) throws -> Int {
    var normalizer = self.normalizer()
    defer { keep(&normalizer) }
    var sides: [Chain] = []
    for side in [a, b] {
      var chain = try normalizing(side, &normalizer, in: builder).chain
      let own = try chain.dropping(range), implied = try chain.droppingImpliedBySums()
      if own || implied {
        // Normalized again without the hypotheses the drops made (as `normalize` does), so that
        // the normal form is the one of the term as written whatever made it.
        let again = try normalizing(chain.current, &normalizer, in: builder).chain
        chain = Chain(builder: builder, step: try builder.apply(.trans(chain.step, again.step)))
      }
      sides.append(chain)
    }
    try sides[0].apply(.ring(sides[1].current), at: [])
    return try builder.apply(.trans(sides[0].step, try builder.apply(.sym(sides[1].step))))
  }
}

extension Chain {
  /// Rewrites every sum `sum(b | G and C) s` and bracket `[G and C]` of the current term where
  /// `C` are constraints on the indices of one enclosing sum that its guard states (none on `b`)
  /// to `sum(b | G) s` and `[G]`, under the hypothesis `C` (as `dropping`). `cong` quantifies that
  /// hypothesis over the enclosing sum, `forall i. [.. and C] -> [C]`, which `discharge` covers by
  /// its own guard. Returns whether anything was rewritten.
  mutating func droppingImpliedBySums() throws -> Bool {
    func implied(_ t: Term, _ path: [Int], _ outer: [(binders: Set<String>, guard: Set<Constraint>)]) -> (path: [Int], drop: [Constraint])? {
      let own: (bound: [String], guard: Guard)?
      switch t.node {
      case let .sum(bs, g, _): own = (bs, g)
      case let .bracket(g): own = ([], g)
      default: own = nil
      }
      if let own {
        let free = own.guard.constraints.filter { $0.expression.indices.isDisjoint(with: own.bound) && !$0.expression.indices.isEmpty }
        // The innermost enclosing sum first; one sum's constraints at a time, so that each
        // hypothesis mentions the indices of that sum only.
        for s in outer.reversed() {
          let drop = free.filter { s.guard.contains($0) && $0.expression.indices.isSubset(of: s.binders) }
          if !drop.isEmpty { return (path, drop) }
        }
      }
      var inner = outer
      if case let .sum(bs, g, _) = t.node { inner.append((Set(bs), Set(g.constraints))) }
      for (k, child) in t.children.enumerated() {
        if let found = implied(child, path + [k], inner) { return found }
      }
      return nil
    }
    var changed = false
    while let found = implied(current, [], []) {
      try drop(found.drop, at: found.path)
      changed = true
    }
    return changed
  }

  /// Rewrites every sum `sum(b | G and C) s` of the current term (`C` constraints of `range`, none on `b`)
  /// to `sum(b | G) s` and every bracket `[G and C]` to `[G]`, under the hypothesis `C`:
  /// `sum-guard` (or `bracket-merge`) read backwards splits `[C]` off, and `assume` makes it 1.
  /// Returns whether anything was rewritten.
  mutating func dropping(_ range: Guard) throws -> Bool {
    let wanted = Set(range.constraints)
    func dropped(_ g: Guard, bound: [String]) -> [Constraint] {
      g.constraints.filter { wanted.contains($0) && $0.expression.indices.isDisjoint(with: bound) }
    }
    var changed = false
    while let p = Normalizer.firstPath(in: current, where: { t in
      switch t.node {
      case let .sum(bs, g, _): return !dropped(g, bound: bs).isEmpty
      case let .bracket(g): return !dropped(g, bound: []).isEmpty
      default: return false
      }
    }) {
      let sub = try subterm(at: p)
      switch sub.node {
      case let .sum(bs, g, _): try drop(dropped(g, bound: bs), at: p)
      case let .bracket(g): try drop(dropped(g, bound: []), at: p)
      default: break
      }
      changed = true
    }
    return changed
  }

  /// Rewrites the sum or bracket at `p` without the constraints `c` of its guard, under the
  /// hypothesis that they hold: `sum-guard` (or `bracket-merge`) read backwards splits `[c]` off,
  /// and `assume` makes it 1.
  private mutating func drop(_ c: [Constraint], at p: [Int]) throws {
    let sub = try subterm(at: p)
    switch sub.node {
    case let .sum(bs, g, body):
      let cg = try Guard(c), rest = try Guard(g.constraints.filter { !c.contains($0) })
      var side = try builder.start(try .sum(bs, rest, .mul([.bracket(cg), body])))
      try side.apply(.sumGuard, at: [])
      if side.current != sub { try side.apply(.ring(sub), at: []) }
      try rewrite(at: p, by: try builder.apply(.sym(side.step)))
      try rewrite(at: p + [0, 0], by: try builder.apply(.assume(.holds(cg), instance: [])))
      try ring(at: p + [0], to: body)
    case let .bracket(g):
      let cg = try Guard(c), rest = try Guard(g.constraints.filter { !c.contains($0) })
      if rest.constraints.isEmpty {
        try rewrite(at: p, by: try builder.apply(.assume(.holds(cg), instance: [])))
      } else {
        var side = try builder.start(.mul([.bracket(rest), .bracket(cg)]))
        try side.apply(.bracketMerge, at: [])
        if side.current != sub { try side.apply(.ring(sub), at: []) }
        try rewrite(at: p, by: try builder.apply(.sym(side.step)))
        try rewrite(at: p + [1], by: try builder.apply(.assume(.holds(cg), instance: [])))
      }
    default: break
    }
  }
}
