public import ProofKernel

extension DualEvaluator {
  /// Whether `formula` holds: true or false when the values decide it, nil when enclosures do not.
  ///
  /// `a = b` is true when both values are certainly equal (always decided for rationals; for
  /// intervals only when both are the same point) and false when they certainly differ (disjoint
  /// intervals); `t != 0` and `t > 0` need a known sign; a guard is decided at the free indices;
  /// `forall b. [G] -> body` is false as soon as the body is false at a point of `G`, true when it is
  /// true at every point, and undecided otherwise.
  ///
  /// ```swift
  /// var enclosing = DualEvaluator<Interval>(env)
  /// try enclosing.decide(.positive(.apply(.exp, xAt("i"))))   // true
  /// ```
  /// - Throws: what evaluating a term throws.
  public mutating func decide(_ formula: Proposition) throws -> Bool? {
    let free = formula.freeIndices
    let scope = indices.scope(for: free)
    return try decide(try indices.lowered { (l: inout Lowering) throws(LoweringError) in try l.lower(formula, free: free, scope) })
  }

  mutating func decide(_ formula: LoweredProposition) throws -> Bool? {
    switch formula {
    case let .equal(a, b): return try evaluate(a).value.agrees(with: evaluate(b).value)
    case let .nonZero(t): return try evaluate(t).value.knownSign.map { $0 != 0 }
    case let .positive(t): return try evaluate(t).value.knownSign.map { $0 > 0 }
    case let .holds(constraints): return try indices.holds(constraints)
    case let .forAll(loop, body):
      var result: Bool? = true
      try forEachPoint(of: loop) { evaluator in
        switch try evaluator.decide(body) {
        case true?: break
        case false?: result = false
        case nil: result = nil
        }
        return result != false
      }
      return result
    }
  }
}
