public import ProofKernel

extension ExactEvaluator {
  /// True when `formula` holds in the environment.
  ///
  /// `a = b`, `t != 0` and `t > 0` compare exact values; a guard holds when all its constraints do
  /// at the free indices; `forall b. [G] -> body` holds when the body holds at every integer point of
  /// `G` (true when there is none), checked in order and stopping at the first that fails.
  ///
  /// ```swift
  /// // forall i: n. x[i] > 0
  /// try evaluator.holds(.forAll(["i"], .axis("i", size: .dimension("n")), .positive(.access(x, [.index("i")]))))
  /// ```
  /// - Throws: what evaluating a term throws; `unsupported` for a `forall` whose guard does not bound
  ///   its indices (the kernel allows such assumptions, but they cannot be checked by enumeration).
  public mutating func holds(_ formula: Proposition) throws -> Bool {
    let free = formula.freeIndices
    let scope = indices.scope(for: free)
    return try holds(try indices.lowered { (l: inout Lowering) throws(LoweringError) in try l.lower(formula, free: free, scope) })
  }

  mutating func holds(_ formula: LoweredProposition) throws -> Bool {
    switch formula {
    case let .equal(a, b): return try evaluate(a) == evaluate(b)
    case let .nonZero(t): return try !evaluate(t).isZero
    case let .positive(t): return try evaluate(t).signum > 0
    case let .holds(constraints): return try indices.holds(constraints)
    case let .forAll(loop, body):
      var result = true
      try forEachPoint(of: loop) { evaluator in
        result = try evaluator.holds(body)
        return result
      }
      return result
    }
  }
}
