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
  /// state `range`, so `discharge` finds it there.
  func equal(_ a: Term, _ b: Term, in builder: ProofBuilder, dropping range: Guard) throws -> Int {
    var normalizer = Normalizer(avoiding: taken)
    normalizer.unfoldsDefinitions = false
    defer { taken.formUnion(normalizer.used) }
    var left = try builder.start(a), right = try builder.start(b)
    for side in [0, 1] {
      var chain = side == 0 ? left : right
      _ = try normalizer.normalize(&chain, at: [])
      if try chain.dropping(range) { _ = try normalizer.normalize(&chain, at: []) }
      if side == 0 { left = chain } else { right = chain }
    }
    try left.apply(.ring(right.current), at: [])
    return try builder.apply(.trans(left.step, try builder.apply(.sym(right.step))))
  }
}

extension Chain {
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
      case let .sum(bs, g, body):
        let c = dropped(g, bound: bs)
        let cg = try Guard(c), rest = try Guard(g.constraints.filter { !c.contains($0) })
        var side = try builder.start(try .sum(bs, rest, .mul([.bracket(cg), body])))
        try side.apply(.sumGuard, at: [])
        if side.current != sub { try side.apply(.ring(sub), at: []) }
        try rewrite(at: p, by: try builder.apply(.sym(side.step)))
        try rewrite(at: p + [0, 0], by: try builder.apply(.assume(.holds(cg), instance: [])))
        try ring(at: p + [0], to: body)
      case let .bracket(g):
        let c = dropped(g, bound: [])
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
      changed = true
    }
    return changed
  }
}
