internal import Exact
internal import ProofKernel
import TermPrinting

/// Explains a failed comparison: both normal forms, a counterexample, and, where the difference
/// is `(S - c) * P` for a sum `S` that is a factor of its own, the assumption `S = c` it lacks.
enum Diagnosis {
  /// `rewritten`: the forms after the identities between functions, where an assumption may show
  /// that the first forms hide (`sum(k) t[k] * log(S)` only once the log of a softmax is split).
  static func difference(_ l: [Monomial], _ r: [Monomial], statement: Statement,
                         rewritten: ([Monomial], [Monomial])? = nil) throws -> ProofFailure {
    let left = try l.term(), right = try r.term()
    // The ranges of the free indices too: a point outside them is no counterexample.
    let counterexample = Counterexample.search(left, right, hypotheses: try statement.hypotheses)
    var missing = try missingAssumption(l, r)
    if missing == nil, let (l1, r1) = rewritten { missing = try missingAssumption(l1, r1) }
    return .different(lhs: left.description, rhs: right.description, counterexample: counterexample, missing: missing)
  }

  /// `S = c` when the difference `l - r` is `S * P - c * P` for a sum `S` over indices that occur
  /// with no others in their monomials.
  static func missingAssumption(_ l: [Monomial], _ r: [Monomial]) throws -> String? {
    let difference = l + r.map { var m = $0; m.coefficient = Rational(0) - m.coefficient; return m }
    var candidates: [String: Term] = [:]
    for m in difference { for (key, s) in try components(m) { candidates[key] = s.sum } }
    for (key, s) in candidates.sorted(by: { $0.key < $1.key }) {
      var with: [String: Rational] = [:], without: [String: Rational] = [:]
      for m in difference {
        if let rest = try components(m)[key]?.rest {
          with[try rest.shapeKey(), default: Rational(0)] += rest.coefficient
        } else {
          without[try m.shapeKey(), default: Rational(0)] += m.coefficient
        }
      }
      with = with.filter { !$0.value.isZero }
      without = without.filter { !$0.value.isZero }
      guard !with.isEmpty, Set(with.keys) == Set(without.keys), let (k0, p0) = with.first else { continue }
      let c = Rational(0) - without[k0]! / p0
      if with.allSatisfy({ Rational(0) - without[$0.key]! == c * $0.value }) { return "\(s) = \(c)" }
    }
    return nil
  }

  /// The sums made of a group of bound indices that share no factor or constraint with the other
  /// bound indices, each with the monomial that remains without it. The group may be all of them
  /// when some factor mentions none (`sum(k) t[k] * log(S)` has the sum `sum(k) t[k]`).
  static func components(_ m: Monomial) throws -> [String: (sum: Term, rest: Monomial)] {
    guard !m.binders.isEmpty else { return [:] }
    // Each factor's free indices read once (reading walks the factor; the groups need them often).
    let factorIndices = m.factors.map { $0.atom.freeIndices }
    let links = factorIndices + m.guardTerm.constraints.map { $0.expression.indices }
    let hasOuterFactor = factorIndices.contains { $0.isDisjoint(with: m.binders) }
    var result: [String: (Term, Monomial)] = [:]
    var grouped = Set<String>()
    for b in m.binders where !grouped.contains(b) {
      // The group of b: closed under sharing a factor or a constraint (the same for each member).
      var group: Set<String> = [b]
      var grew = true
      while grew {
        grew = false
        for l in links where !l.isDisjoint(with: group) {
          let add = l.intersection(m.binders).subtracting(group)
          if !add.isEmpty { group.formUnion(add); grew = true }
        }
      }
      grouped.formUnion(group)
      guard group.count < m.binders.count || hasOuterFactor else { continue }
      let inner = m.binders.filter(group.contains)
      let (outerConstraints, innerConstraints) = (m.guardTerm.constraints.filter { $0.expression.indices.isDisjoint(with: group) },
                                                  m.guardTerm.constraints.filter { !$0.expression.indices.isDisjoint(with: group) })
      let inGroup = factorIndices.map { !$0.isDisjoint(with: group) }
      let innerFactors = m.factors.indices.filter { inGroup[$0] }.map { m.factors[$0] }
      var rest = m
      rest.binders = m.binders.filter { !group.contains($0) }
      rest.guardTerm = try Guard(outerConstraints)
      rest.factors = m.factors.indices.filter { !inGroup[$0] }.map { m.factors[$0] }
      var part = Monomial()
      part.binders = inner
      part.guardTerm = try Guard(innerConstraints)
      part.factors = innerFactors
      let sum = try part.sumPart()
      result[sum.key] = (sum, rest)
    }
    return result
  }

}
