// Equality: reflexivity, symmetry, transitivity, renaming bound indices, and congruence (rewriting
// a subterm with an equation), which is how every local rule is applied at a position.

extension Theorem {
  /// `refl`: `⊢ t = t`.
  public static func refl(_ t: Term) -> Theorem { Theorem([], t, t) }

  /// `sym`: from `Γ ⊢ a = b`, `Γ ⊢ b = a`.
  public static func sym(_ th: Theorem) -> Theorem { Theorem(th.hypotheses, th.rhs, th.lhs, canonical: true) }

  /// `trans`: from `Γ ⊢ a = b` and `Δ ⊢ b' = c` with `b'` equal to `b` up to bound names, `Γ ∪ Δ ⊢ a = c`.
  public static func trans(_ first: Theorem, _ second: Theorem) throws -> Theorem {
    guard first.rhs.isAlphaEquivalent(to: second.lhs) else {
      throw KernelError.ruleMismatch(rule: "trans", reason: "\(first.rhs) is not \(second.lhs)")
    }
    return Theorem(first.hypotheses + second.hypotheses, first.lhs, second.rhs, canonical: first.hypotheses.isEmpty || second.hypotheses.isEmpty)
  }

  /// `alpha`: from `Γ ⊢ a = b`, `Γ ⊢ a' = b'` for `a'`, `b'` equal to `a`, `b` up to bound names.
  public static func alpha(_ th: Theorem, lhs: Term, rhs: Term) throws -> Theorem {
    guard th.lhs.isAlphaEquivalent(to: lhs), th.rhs.isAlphaEquivalent(to: rhs) else {
      throw KernelError.ruleMismatch(rule: "alpha", reason: "the new sides are not renamings of the old")
    }
    return Theorem(th.hypotheses, lhs, rhs, canonical: true)
  }

  /// `cong`: from `Γ ⊢ a = t` and `Δ ⊢ s = s'` where `s` is the subterm of `t` at `path`,
  /// `Γ ∪ Δ' ⊢ a = t[path := s']`.
  ///
  /// Where the path enters a `sum`, the hypotheses of `Δ` that mention its bound indices are
  /// required for all of them (`forall b. [G] -> h`, with the guard's constraints on those indices),
  /// which is what makes the replacement valid for every term of the sum. A path may enter
  /// `D t [x := dx]` only when no hypothesis of `Δ` mentions `x` or `dx`: equality at a point says
  /// nothing about derivatives, equality for every value of `x` does.
  public static func cong(_ th: Theorem, at path: [Int], by eq: Theorem) throws -> Theorem {
    let (rhs, hypotheses) = try replace(in: th.rhs, at: path[...], by: eq)
    return Theorem(th.hypotheses + hypotheses, th.lhs, rhs, canonical: hypotheses.isEmpty)
  }

  private static func replace(in t: Term, at path: ArraySlice<Int>, by eq: Theorem) throws -> (Term, [Proposition]) {
    guard let k = path.first else {
      guard t.isAlphaEquivalent(to: eq.lhs) else {
        throw KernelError.ruleMismatch(rule: "cong", reason: "the subterm \(t) is not \(eq.lhs)")
      }
      return (eq.rhs, eq.hypotheses)
    }
    var children = t.children
    guard children.indices.contains(k) else {
      throw KernelError.ruleMismatch(rule: "cong", reason: "no child \(k) in \(t)")
    }
    var (inner, hypotheses) = try replace(in: children[k], at: path.dropFirst(), by: eq)
    children[k] = inner
    switch t.node {
    case let .sum(bs, g, _):
      hypotheses = try hypotheses.map { try quantify($0, over: bs, guard: g) }
    case let .derivative(_, x, dx):
      if let h = hypotheses.first(where: { $0.mentions(x.name) || $0.mentions(dx.name) }) {
        throw KernelError.ruleMismatch(rule: "cong", reason: "rewriting under D[\(x.name) := \(dx.name)] with hypothesis \(h) on \(x.name)")
      }
    default: break
    }
    inner = try t.replacingChildren(children)
    return (inner, hypotheses)
  }

  /// `forall b. [G_b] -> h` for the binders `b` that occur free in `h`, where `G_b` keeps the
  /// constraints of `G` on those binders and outer indices only: a stronger hypothesis than `h` for
  /// every point of `G`, which is all the sum needs.
  static func quantify(_ h: Proposition, over binders: [String], guard g: Guard) throws -> Proposition {
    let free = h.freeIndices
    let used = binders.filter(free.contains)
    if used.isEmpty { return h }
    let unused = Set(binders).subtracting(used)
    let kept = g.constraints.filter { $0.expression.indices.isDisjoint(with: unused) }
    let projected = try Guard.conjunction(kept.map { ($0.relation, $0.expression) })
    return try .quantified(used, projected, h)
  }
}
