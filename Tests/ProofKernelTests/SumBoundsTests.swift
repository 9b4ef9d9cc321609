import Testing
@testable import ProofKernel

/// `Guard.bounds`, the check that makes every `sum` finite, decides as the fixpoint it is written
/// from (kept here as the reference, in its first form over sets and rows): session 21 made it
/// stop once every index is bounded both ways and keep its sets as arrays.
@Suite("Sum bounds")
struct SumBoundsTests {
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

  @Test func boundsDecidesAsTheFixpoint() throws {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ n: Int) -> Int {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return Int(state % UInt64(n))
    }
    let variables: [Variable] = [.index("a"), .index("b"), .index("c"), .index("z"), .dimension("n")]
    var bounded = 0, unbounded = 0
    for _ in 0..<6_000 {
      let constraints = (0..<(1 + next(5))).map { _ -> (Constraint.Relation, Affine) in
        let terms = (0..<(1 + next(3))).map { _ in (variables[next(variables.count)], next(5) - 2) }
        let relation: Constraint.Relation = next(4) == 0 ? .equal : .nonNegative
        return (relation, try! Affine(constant: next(5) - 2, terms))
      }
      let g = try Guard.conjunction(constraints)
      let binders = ["a", "b", "c"].filter { _ in next(2) == 0 }
      let expected = Self.reference(g, binders)
      #expect(g.bounds(binders) == expected, "\(g) over \(binders)")
      if expected { bounded += 1 } else { unbounded += 1 }
    }
    // Both answers are exercised, not one.
    #expect(bounded > 500 && unbounded > 500, "\(bounded) bounded, \(unbounded) not")
  }
}
