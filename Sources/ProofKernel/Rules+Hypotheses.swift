// Hypotheses: assuming an equation or a guard, and discharging what a proof assumed against what the
// theorem states.

extension Theorem {
  /// `assume`: `{a = b} ⊢ a = b`, `{G} ⊢ [G] = 1`, and for `h = forall c. [H] -> body` the instance
  /// `{h, H[c := e]} ⊢ body[c := e]` (the guard instance becomes a hypothesis on the indices; it may
  /// be false, which makes the sequent vacuous, never usable: `discharge` never covers a false guard).
  /// Hypotheses may not mention `D` or `vjp`.
  public static func assume(_ h: Formula, instance: [Affine] = []) throws -> Theorem {
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
  /// in `Δ` (up to bound names); or it is a sign condition the positivity check proves; or a guard
  /// on free indices, not false, each of whose constraints `Δ` states; or `forall b. [G] -> h` that
  /// is vacuous (`G` false), or whose body is true everywhere, or a guard each of whose constraints
  /// is in `G` or stated, or that `Δ` states as `forall c. [H] -> h` with `H` not false and each
  /// constraint of `H` in `G` or stated (so `G` implies `H`).
  public static func discharge(_ th: Theorem, stating stated: [Formula]) throws -> Theorem {
    let keys = Set(stated.map(\.alphaKey))
    var known: Set<String> = []  // stated constraints on free indices, as keys
    for case let .holds(g) in stated { known.formUnion(constraintKeys([], g)) }
    for h in th.hypotheses where !keys.contains(h.alphaKey) && !covered(h, by: stated, known) {
      throw KernelError.undischarged(rule: "discharge", hypothesis: h.description)
    }
    return Theorem(stated, th.lhs, th.rhs)
  }

  /// Whether `h` follows from the stated hypotheses. A false guard has no constraints, so every
  /// test "each constraint is known" would pass vacuously: false guards are decided first.
  private static func covered(_ h: Formula, by stated: [Formula], _ known: Set<String>) -> Bool {
    switch h {
    case let .positive(t), let .nonZero(t): return Positivity.positive(t)
    case let .holds(g): return !g.isFalse && constraintKeys([], g).isSubset(of: known)
    case let .forAll(bs, g, body):
      if g.isFalse { return true }  // vacuous: true with no hypothesis at all
      if covered(body, by: [], []) { return true }  // a sign condition true everywhere
      let mine = constraintKeys(bs, g).union(known)
      if case let .holds(inner) = body, !inner.isFalse, constraintKeys(bs, inner).isSubset(of: mine) { return true }
      let bodyKey = Formula.forAll(bs, .true, body).alphaKey
      return stated.contains { s in
        guard case let .forAll(cs, sg, sbody) = s, cs.count == bs.count, !sg.isFalse else { return false }
        return Formula.forAll(cs, .true, sbody).alphaKey == bodyKey && constraintKeys(cs, sg).isSubset(of: mine)
      }
    default: return false
    }
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
