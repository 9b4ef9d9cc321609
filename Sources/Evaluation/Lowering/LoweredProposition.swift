internal import ProofKernel

/// A kernel `Proposition` at concrete sizes, what the exact and dual evaluators decide: its terms
/// lowered, its guards constraints over slots, each `forall` a loop plan.
indirect enum LoweredProposition: Sendable {
  case equal(LoweredTerm, LoweredTerm)
  case nonZero(LoweredTerm)
  case positive(LoweredTerm)
  /// Holds where every constraint does (`[.never]` for a false guard, `[]` for a true one).
  case holds([LoweredConstraint])
  /// Holds where the body holds at every point of the loop.
  case forAll(LoweredLoop, LoweredProposition)
}

extension Lowering {
  /// `p` lowered, its free indices read from the slots `scope` gives them; a `forall` over a false
  /// guard is `holds([])` (true).
  mutating func lower(_ p: Proposition, _ scope: [String: Int]) throws(LoweringError) -> LoweredProposition {
    try lower(p, free: p.freeIndices, scope)
  }

  /// `p` lowered, `free` its free indices (which a caller that needed them for `scope` has).
  mutating func lower(_ p: Proposition, free: Set<String>, _ scope: [String: Int]) throws(LoweringError) -> LoweredProposition {
    let key = PropositionKey(proposition: p, reads: try Lowering.reads(free, scope))
    if let known = propositions[key] { return known }
    let lowered = try uncached(p, scope)
    propositions[key] = lowered
    return lowered
  }

  private mutating func uncached(_ p: Proposition, _ scope: [String: Int]) throws(LoweringError) -> LoweredProposition {
    switch p {
    case let .equal(a, b): return .equal(try lower(a, scope), try lower(b, scope))
    case let .nonZero(t): return .nonZero(try lower(t, scope))
    case let .positive(t): return .positive(try lower(t, scope))
    case let .holds(g): return .holds(try constraints(g, scope))
    case let .forAll(binders, g, body):
      guard let (loop, inner) = try loop(binders, g, scope) else { return .holds([]) }
      return .forAll(loop, try lower(body, inner))
    }
  }
}
