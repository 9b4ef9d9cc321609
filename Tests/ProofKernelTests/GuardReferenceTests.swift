import Testing
@testable import ProofKernel

/// Two parts of `Guard` that run at every sum and guard the kernel builds were made faster in
/// session 21; each is checked here against its first form, kept as the reference:
/// - `bounds`, the check that makes every `sum` finite: the fixpoint over sets and rows, where it
///   now stops once every index is bounded both ways and keeps its sets as arrays;
/// - `conjunction`, the canonical form: over a dictionary and a set, where it now searches arrays.
@Suite("Guard against its reference forms")
struct GuardReferenceTests {
  static func reference(_ g: Guard, _ binders: [String]) -> Bool {
    if g.isFalse { return true }
    let inner = Set(binders)
    let rows: [[(Variable, Int)]] = g.constraints.flatMap { c -> [[(Variable, Int)]] in
      let row = c.expression.terms.map { ($0.variable, $0.coefficient.signum()) }
      return c.relation == .equal ? [row, row.map { ($0.0, -$0.1) }] : [row]
    }
    var lower = Set<String>(), upper = Set<String>()
    var progress = true
    while progress {
      progress = false
      for row in rows {
        for (v, k) in row {
          guard case let .index(b) = v, inner.contains(b) else { continue }
          let ready = row.allSatisfy { w, m in
            guard case let .index(o) = w, o != b, inner.contains(o) else { return true }
            return m > 0 ? upper.contains(o) : lower.contains(o)
          }
          if ready, k > 0 ? lower.insert(b).inserted : upper.insert(b).inserted { progress = true }
        }
      }
    }
    return inner.isSubset(of: lower) && inner.isSubset(of: upper)
  }

  /// The conjunction as first written: the canonical guard, or nil for false.
  static func reference(_ items: [(Constraint.Relation, Affine)]) throws -> [Constraint]? {
    var strongest: [Affine: Int] = [:]
    var equalities = Set<Affine>()
    for (relation, e) in items {
      guard let maybe = try Constraint.canonical(relation, e) else { return nil }
      guard let c = maybe else { continue }
      let part = Affine(constant: 0, canonical: c.expression.terms)
      if c.relation == .equal { equalities.insert(c.expression) } else {
        strongest[part] = min(strongest[part] ?? .max, c.expression.constant)
      }
    }
    for (part, c) in strongest {
      let opposite = try part.scaled(by: -1)
      guard let c2 = strongest[opposite] else { continue }
      let total = try Checked.add(c, c2)
      if total < 0 { return nil }
      if total == 0, part.terms[0].coefficient > 0 {
        strongest[part] = nil
        strongest[opposite] = nil
        equalities.insert(try part.plus(.constant(c)))
      }
    }
    var result = equalities.map { Constraint(relation: .equal, canonical: $0) }
    for (part, constant) in strongest {
      let e = try part.plus(.constant(constant))
      if !e.isKnownNonNegative { result.append(Constraint(relation: .nonNegative, canonical: e)) }
    }
    return result.map { ($0, $0.expression.sortKey) }.sorted {
      $0.0.relation != $1.0.relation ? $0.0.relation < $1.0.relation : $0.1.lexicographicallyPrecedes($1.1)
    }.map(\.0)
  }

  /// Deterministic random constraints over three bound-index candidates, a free index and a
  /// dimension, with small coefficients so that opposite and repeated parts are common.
  struct Draws {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next(_ n: Int) -> Int {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return Int(state % UInt64(n))
    }
    mutating func constraints() -> [(Constraint.Relation, Affine)] {
      let variables: [Variable] = [.index("a"), .index("b"), .index("c"), .index("z"), .dimension("n")]
      return (0..<(1 + next(6))).map { _ -> (Constraint.Relation, Affine) in
        let terms = (0..<(1 + next(3))).map { _ in (variables[next(variables.count)], next(5) - 2) }
        let relation: Constraint.Relation = next(4) == 0 ? .equal : .nonNegative
        return (relation, try! Affine(constant: next(5) - 2, terms))
      }
    }
  }

  @Test func conjunctionIsTheCanonicalFormAsFirstWritten() throws {
    var draws = Draws()
    var outcomes: [String: Int] = [:]
    for _ in 0..<8_000 {
      let items = draws.constraints()
      let g = try Guard.conjunction(items), expected = try Self.reference(items)
      if let expected {
        #expect(!g.isFalse && g.constraints == expected, "\(items)")
        outcomes[expected.contains { $0.relation == .equal } ? "with an equality" : "inequalities", default: 0] += 1
      } else {
        #expect(g.isFalse, "\(items)")
        outcomes["false", default: 0] += 1
      }
    }
    // Every kind of outcome is exercised: false guards, equalities (given or from opposite
    // inequalities), inequalities alone.
    #expect(outcomes.count == 3 && outcomes.values.allSatisfy { $0 > 300 }, "\(outcomes)")
  }

  @Test func boundsDecidesAsTheFixpoint() throws {
    var draws = Draws()
    var bounded = 0, unbounded = 0
    for _ in 0..<6_000 {
      let g = try Guard.conjunction(draws.constraints())
      let binders = ["a", "b", "c"].filter { _ in draws.next(2) == 0 }
      let expected = Self.reference(g, binders)
      #expect(g.bounds(binders) == expected, "\(g) over \(binders)")
      if expected { bounded += 1 } else { unbounded += 1 }
    }
    // Both answers are exercised, not one.
    #expect(bounded > 500 && unbounded > 500, "\(bounded) bounded, \(unbounded) not")
  }
}
