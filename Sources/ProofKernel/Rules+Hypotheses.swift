internal import Exact

// Hypotheses: assuming an equation or a guard, and discharging what a proof assumed against what the
// theorem states.

extension Theorem {
  /// `assume`: `{a = b} ⊢ a = b`, `{G} ⊢ [G] = 1`, and for `h = forall c. [H] -> body` the instance
  /// `{h, H[c := e]} ⊢ body[c := e]` (the guard instance becomes a hypothesis on the indices; it may
  /// be false, which makes the sequent vacuous, never usable: `discharge` never covers a false guard).
  /// Hypotheses may not mention `D` or `vjp`.
  public static func assume(_ h: Proposition, instance: [Affine] = []) throws -> Theorem {
    if case let .forAll(cs, g, body) = h {
      guard !cs.isEmpty, Set(cs).count == cs.count, cs.allSatisfy(isIdentifier) else {
        throw KernelError.ruleMismatch(rule: "assume", reason: "a forall binds distinct indices")
      }
      guard instance.count == cs.count else { throw KernelError.ruleMismatch(rule: "assume", reason: "\(cs.count) indices to instantiate") }
      let map = Dictionary(uniqueKeysWithValues: zip(cs, instance))
      let inner = try assume(body.substituting(map))  // a nested forall needs its own instance: refused
      return Theorem([h, .holds(try g.substituting(map))], inner.lhs, inner.rhs)
    }
    guard instance.isEmpty else { throw KernelError.ruleMismatch(rule: "assume", reason: "nothing to instantiate") }
    switch h {
    case let .equal(a, b):
      guard !a.containsDerivative, !b.containsDerivative else {
        throw KernelError.ruleMismatch(rule: "assume", reason: "hypotheses may not mention D or vjp")
      }
      return Theorem([h], a, b)
    case let .holds(g): return Theorem([h], .bracket(g), .one)
    default: throw KernelError.ruleMismatch(rule: "assume", reason: "\(h) is not an equation or a guard")
    }
  }

  /// `discharge`: from `Γ ⊢ a = b`, `Δ ⊢ a = b` when every hypothesis of `Γ` follows from `Δ`: it is
  /// in `Δ` (up to bound names); or it is a sign condition the positivity check proves from the
  /// stated ones, or a stated one times a rational (`-x != 0` from `x != 0`); or a guard
  /// on free indices, not false, each of whose constraints `Δ` states; or `forall b. [G] -> h` that
  /// is vacuous (`G` false), or whose body is true everywhere, or a guard each of whose constraints
  /// is in `G` or stated, or that `Δ` states as `forall c. [H] -> h` with `H` not false and each
  /// constraint of `H` in `G` or stated (so `G` implies `H`); or `forall b. [G] -> forall c. [H] -> h`
  /// with `h` free of `b` when `forall c. [H'] -> h` follows, `H'` the constraints of `H` free of
  /// `b` (a side condition met under a sum pinned to an outer index, then under the outer sum).
  public static func discharge(_ th: Theorem, stating stated: [Proposition]) throws -> Theorem {
    // Keys with definitions numbered by their text: written out in each key, the network below
    // every hypothesis was printed again for each of a model's gradients (depth cubed).
    let numbers = DefinitionNumbers(), keys = Set(stated.map(numbers.key))
    // The stated constraints on free indices, as keys.
    let known = stated.reduce(into: Set<String>()) { if case let .holds(g) = $1 { $0.formUnion(constraintKeys([], g)) } }
    for h in th.hypotheses where !keys.contains(numbers.key(h)) && !covered(h, by: stated, known) {
      throw KernelError.undischarged(rule: "discharge", hypothesis: "\(h)")
    }
    return Theorem(stated, th.lhs, th.rhs)
  }

  /// Whether `h` follows from the stated hypotheses. A false guard has no constraints, so every
  /// test "each constraint is known" would pass vacuously: false guards are decided first.
  private static func covered(_ h: Proposition, by stated: [Proposition], _ known: Set<String>) -> Bool {
    switch h {
    case .positive, .nonZero: return sign(h, under: [], stated)
    case let .holds(g): return !g.isFalse && constraintKeys([], g).isSubset(of: known)
    case let .forAll(bs, g, body):
      if g.isFalse { return true }  // vacuous: true with no hypothesis at all
      if sign(body, under: bs, stated) { return true }  // a sign condition true at every point
      let mine = constraintKeys(bs, g).union(known)
      if case let .holds(inner) = body, !inner.isFalse, constraintKeys(bs, inner).isSubset(of: mine) { return true }
      // `forall b. [G] -> forall c. [H] -> [K]` (binders apart): each constraint of `K` is in `G`, `H` or stated.
      if case let .forAll(cs, h, .holds(k)) = body, !k.isFalse, Set(bs).isDisjoint(with: cs), constraintKeys(bs + cs, k)
        .isSubset(of: constraintKeys(bs + cs, g).union(constraintKeys(bs + cs, h)).union(known)) { return true }
      // `forall b. [G] -> forall c. [H] -> h` with `h` free of `b`: follows from `forall c. [H'] -> h`
      // where `H'` keeps the constraints of `H` free of `b` (every point of `G and H` meets `H'`).
      if case let .forAll(cs, inner, h) = body, !h.freeIndices.contains(where: bs.contains) {
        if inner.isFalse { return true }
        let kept = try? Guard(inner.constraints.filter { $0.expression.indices.isDisjoint(with: bs) })
        return kept.map { covered(.forAll(cs, $0, h), by: stated, known) } ?? false
      }
      return stated.contains { s in
        guard case let .forAll(cs, sg, sbody) = s, cs.count == bs.count, !sg.isFalse else { return false }
        return follows(body, bs, from: sbody, cs) && constraintKeys(cs, sg).isSubset(of: mine)
      }
    default: return false
    }
  }

  /// A sign condition, under `binders`, that the positivity check proves given the stated sign
  /// conditions (`eps > 0`), or that is a stated one scaled by a rational. Only stated conditions
  /// whose free indices no binder captures are used: they speak of the same variables.
  private static func sign(_ f: Proposition, under binders: [String], _ stated: [Proposition]) -> Bool {
    let facts = stated.filter { s in
      switch s {
      case let .positive(t), let .nonZero(t): return t.freeIndices.isDisjoint(with: binders)
      default: return false
      }
    }
    var positive: Positivity.Known = [:]
    // Each fact by its alpha-key, and by its order key with no indices (`Positivity.positive`).
    for case let .positive(t) in facts { (positive[t.alphaKey], positive[Proposition.positive(t).orderKey]) = (t.freeIndices, []) }
    switch f {
    case let .positive(t), let .nonZero(t):
      return Positivity.positive(t, known: positive) || facts.contains { follows(f, binders, from: $0, []) }
    default: return false
    }
  }

  /// `needed` (under binders `nb`) follows from `given` (under `gb`, matched by position): the same
  /// formula, or `t != 0` from `s != 0` or `s > 0`, or `t > 0` from `s > 0`, where `t = c * s` as
  /// polynomials for a rational `c` nonzero (positive for `> 0`).
  private static func follows(_ needed: Proposition, _ nb: [String], from given: Proposition, _ gb: [String]) -> Bool {
    // The same formula: equal order keys first (short, and equal for alpha-equivalent formulas), so
    // that a formula of another shape is told apart without printing the network below it.
    let (a, b) = (Proposition.forAll(nb, .true, needed), Proposition.forAll(gb, .true, given))
    if a.orderKey == b.orderKey, a.alphaKey == b.alphaKey { return true }
    let (t, s, strict): (Term, Term, Bool)
    switch (needed, given) {
    case let (.nonZero(a), .nonZero(b)), let (.nonZero(a), .positive(b)): (t, s, strict) = (a, b, false)
    case let (.positive(a), .positive(b)): (t, s, strict) = (a, b, true)
    default: return false
    }
    let atoms = AtomTable()
    guard let p = try? Polynomial(t, bound: nb, atoms), let q = try? Polynomial(s, bound: gb, atoms), p.terms.count == q.terms.count,
      let (m, a) = q.terms.first, let b = p.terms[m]
    else { return false }
    let c = b / a
    guard q.terms.allSatisfy({ p.terms[$0.key] == c * $0.value }) else { return false }
    return strict ? c.signum > 0 : !c.isZero
  }

  /// Each constraint of `g` printed with `binders` by position, so that guards under different
  /// bound names compare. Only for guards that are not false (a false guard has no constraints).
  private static func constraintKeys(_ binders: [String], _ g: Guard) -> Set<String> {
    Set(g.constraints.map { c in
      var p = Printer(deBruijn: true, inlineDefinitions: true)
      p.bound = binders
      return p.guardText(Guard(constraints: [c], isFalse: false))
    })
  }
}
