internal import ProofKernel

// Sums split at a boundary the other side has (issue 17): `sum(j | j <= i)` against
// `sum(j | j < i) + [the diagonal]`, and a full sum against the softmax VJP written as its
// diagonal plus sums over `j < i` and `j > i`. The kernel's `sum-cases` splits a sum where an
// integer `e` is `>= 0` and where it is `<= -1`; the part where both `e <= -1` and `e + 1 >= 0`
// hold is an equality, which `delta-elim` removes when the side is normalized again. Then a
// bracket that only restates the ranges of the statement's free indices (`[0 <= i < n]`, left by
// the diagonal) is replaced by 1 (`assume`; `discharge` covers it by the stated ranges).

extension Prover {
  /// Splits allowed in one comparison: each refines one monomial's guard to another's.
  static let caseLimit = 8

  /// The comparison again from `left` and `right` (the forms before the identities) with sums split
  /// and range brackets dropped: settled, then the identities and denominators. The two chains
  /// when the sides met, nil otherwise.
  static func closeBySplitting(_ left: Chain, _ l: [Monomial], _ right: Chain, _ r: [Monomial], _ statement: Statement,
                               direction: TensorSymbol?, seed: TensorSymbol?, _ normalizer: inout Normalizer) throws -> (Chain, Chain)? {
    var (left, right) = (left, right)
    guard var (l1, r1) = try splitCases(&left, l, &right, r, statement, &normalizer) else { return nil }
    if try settle(&left, &l1, &right, &r1, statement, direction: direction, seed: seed, &normalizer) { return (left, right) }
    return try rewriteFurther(&left, &l1, &right, &r1, statement, direction: direction, seed: seed, &normalizer) ? (left, right) : nil
  }

  /// Splits the sums of either side whose guard, with one more inequality, is the guard of a
  /// monomial of the other side (under some matching of bound indices), and drops the brackets
  /// the free indices' ranges imply. Returns the new monomials, nil when nothing changed.
  static func splitCases(_ left: inout Chain, _ l: [Monomial], _ right: inout Chain, _ r: [Monomial], _ statement: Statement,
                         _ normalizer: inout Normalizer) throws -> ([Monomial], [Monomial])? {
    var (l1, r1) = (l, r)
    var changed = false
    for _ in 0..<caseLimit {
      if let (k, e) = caseSplit(l1, against: r1) {
        l1 = try split(&left, l1, k, e, &normalizer)
      } else if let (k, e) = caseSplit(r1, against: l1) {
        r1 = try split(&right, r1, k, e, &normalizer)
      } else { break }
      changed = true
    }
    let ranges = try statement.indices.reduce(Guard.true) { try $0.and(Guard.axis($1.name, size: $1.size)) }
    if let ms = try dropRanges(&left, l1, ranges, &normalizer) { l1 = ms; changed = true }
    if let ms = try dropRanges(&right, r1, ranges, &normalizer) { r1 = ms; changed = true }
    return changed ? (l1, r1) : nil
  }

  /// The first monomial `k` of `ms` with bound indices and an inequality `e >= 0` such that its
  /// guard and `e >= 0` is the guard of a monomial of `others` with as many bound indices, renamed.
  private static func caseSplit(_ ms: [Monomial], against others: [Monomial]) -> (Int, Affine)? {
    for (k, m) in ms.enumerated() where !m.binders.isEmpty && m.binders.count <= 4 {
      let bound = Set(m.binders)
      for n in others where n.binders.count == m.binders.count {
        for order in permutations(m.binders) {
          let map = Dictionary(uniqueKeysWithValues: zip(n.binders, order.map { try! Affine.index($0) }))
          guard let target = try? n.guardTerm.substituting(map), !target.isFalse, target != m.guardTerm else { continue }
          for c in target.constraints where c.relation == .nonNegative && !c.expression.indices.isDisjoint(with: bound) {
            if let g = try? m.guardTerm.and(Guard(nonNegative: [c.expression])), g == target { return (k, c.expression) }
          }
        }
      }
    }
    return nil
  }

  private static func permutations(_ xs: [String]) -> [[String]] {
    guard xs.count > 1 else { return [xs] }
    return xs.indices.flatMap { k in permutations(Array(xs[..<k] + xs[(k + 1)...])).map { [xs[k]] + $0 } }
  }

  /// `sum-cases` on monomial `k`'s sum, then the side normalized again.
  private static func split(_ chain: inout Chain, _ ms: [Monomial], _ k: Int, _ e: Affine, _ normalizer: inout Normalizer) throws -> [Monomial] {
    let p = (ms.count == 1 ? [] : [k]) + ms[k].sumPath
    try chain.apply(.sumCases(e), at: p)
    return try normalizer.normalize(&chain, ms, changedAt: k)
  }

  /// Each monomial without bound indices whose bracket holds only constraints of the free indices'
  /// ranges has it replaced by 1 (`assume`); the side normalized again. Nil when there is none.
  private static func dropRanges(_ chain: inout Chain, _ ms: [Monomial], _ ranges: Guard, _ normalizer: inout Normalizer) throws -> [Monomial]? {
    var changed = false
    for (k, m) in ms.enumerated() where m.binders.isEmpty && !m.guardTerm.constraints.isEmpty && !m.guardTerm.isFalse {
      guard m.guardTerm.constraints.allSatisfy({ ranges.constraints.contains($0) }) else { continue }
      let p = ms.count == 1 ? [] : [k]
      let at: [Int]
      switch try chain.subterm(at: p).node {
      case .bracket: at = p
      case let .mul(fs):
        guard let j = fs.firstIndex(where: { if case .bracket = $0.node { true } else { false } }) else { continue }
        at = p + [j]
      default: continue
      }
      guard case let .bracket(g) = try chain.subterm(at: at).node, g == m.guardTerm else { continue }
      try chain.rewrite(at: at, by: try chain.builder.apply(.assume(.holds(g), instance: [])))
      changed = true
    }
    return changed ? try normalizer.normalize(&chain, at: []) : nil
  }
}
