internal import ProofKernel

// Formulas after `assume`.

extension Elaborator {
  /// The formulas of one `assume` line.
  ///
  /// Each clause joined by `and` is one formula, except that the index constraints among them form
  /// one `.holds` guard (at the place of the first). A clause is an index constraint when it uses
  /// `==`, `<=`, `>=`, is a chain, or compares index expressions that mention an index with `=`, `<`
  /// or `>`; otherwise `a = b` is `.equal(a, b)`, `a != b` is `.nonZero(a - b)` (`.nonZero(a)` when
  /// `b` is `0`), `a > b` is `.positive(a - b)` and `a < b` is `.positive(b - a)` (again without the
  /// subtraction of a literal `0`). `forall binders. body` quantifies each formula of the body.
  func formulas(_ syntax: FormulaSyntax, _ scope: Scope) throws -> [Proposition] {
    switch syntax {
    case let .forAll(list, body, token):
      let (names, g, inner) = try bind(list, scope)
      return try formulas(body, inner).map { f in try kernel(at: token) { try Proposition.quantified(names, g, f) } }
    case let .clauses(clauses):
      var out: [Proposition] = []
      var constraints: [ConstraintSyntax] = []
      var constraintPosition: Int?
      for c in clauses {
        if let f = try termFormula(c, scope) {
          out.append(f)
        } else {
          if constraintPosition == nil { constraintPosition = out.count }
          constraints.append(c)
        }
      }
      if let k = constraintPosition { out.insert(.holds(try guardOf(constraints, scope)), at: k) }
      return out
    }
  }

  /// The formula of a clause about terms, or nil for an index constraint.
  private func termFormula(_ c: ConstraintSyntax, _ scope: Scope) throws -> Proposition? {
    guard case let .chain(operands, relations) = c.kind, relations.count == 1 else { return nil }
    let (a, b) = (operands[0], operands[1])
    switch relations[0] {
    case .lessOrEqual, .greaterOrEqual, .doubleEqual: return nil
    case .equal, .less, .greater:
      if try isIndexComparison(a, b, scope) { return nil }
    case .notEqual: break
    }
    let (s, t) = (try term(a, scope), try term(b, scope))
    switch relations[0] {
    case .equal: return .equal(s, t)
    case .notEqual: return .nonZero(isZero(b) ? s : Elaborator.difference(s, t))
    case .greater: return .positive(isZero(b) ? s : Elaborator.difference(s, t))
    default: return .positive(isZero(a) ? t : Elaborator.difference(t, s))
    }
  }

  /// True when both sides are index expressions and one mentions an index.
  private func isIndexComparison(_ a: Expression, _ b: Expression, _ scope: Scope) throws -> Bool {
    guard let x = try affineIfPossible(a, scope), let y = try affineIfPossible(b, scope) else { return false }
    return !x.indices.isEmpty || !y.indices.isEmpty
  }

  private func isZero(_ e: Expression) -> Bool {
    if case let .number(q) = e.ungrouped.kind { return q.isZero }
    return false
  }
}
