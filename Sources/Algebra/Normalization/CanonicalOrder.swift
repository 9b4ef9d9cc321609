internal import Exact
internal import ProofKernel

// Canonical order of the bound indices of one monomial (NORMAL_FORM.md, "Canonical renaming").
//
// Two monomials are the same when some bijection of their bound indices makes them identical; the
// kernel compares sums up to renaming, so only the order of the indices needs to be canonical.
// Algorithm: colour each index by how it occurs (the atoms and constraints it is in, with itself
// marked and the other bound indices blanked), refine each colour by the colours of the indices it
// occurs with until the partition is stable (colour refinement, as in graph canonical labelling),
// order by colour, and break the remaining ties by trying the orders within tied classes and
// keeping the one whose printed sum is least. Worst case: the product of the factorials of the tied
// classes (symmetric monomials such as `sum(i, j) x[i] x[j]`); colour refinement leaves no ties in
// the catalogue's theorems. Not canonical beyond `tieLimit` orders: then a proof may fail, never
// pass wrongly (the kernel checks every step).

extension Normalizer {
  static let tieLimit = 5_040

  func canonicalOrder(_ m: Monomial) throws -> [String] {
    let binders = m.binders
    let items: [Term] = m.factorTerms + m.guardTerm.constraints.map { c in
      .bracket(try! Guard(nonNegative: c.relation == .nonNegative ? [c.expression] : [], equal: c.relation == .equal ? [c.expression] : []))
    }
    let occurs = binders.map { b in items.filter { $0.freeIndices.contains(b) } }
    var colours = try binders.indices.map { k in
      try occurs[k].map { try describe($0, marking: binders[k], others: binders.map { _ in "_o" }, binders) }.sorted().joined(separator: ";")
    }
    var classes = Set(colours).count
    while classes < binders.count {
      let ranks = Dictionary(Set(colours).sorted().enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
      let names = colours.map { "_c\(ranks[$0]!)" }
      colours = try binders.indices.map { k in
        colours[k] + "|" + (try occurs[k].map { try describe($0, marking: binders[k], others: names, binders) }.sorted().joined(separator: ";"))
      }
      let refined = Set(colours).count
      if refined == classes { break }
      classes = refined
    }
    // Order by colour; then try the orders within ties.
    let sorted = binders.indices.sorted { (colours[$0], binders[$0]) < (colours[$1], binders[$1]) }
    var groups: [[String]] = []
    for k in sorted {
      if let last = groups.last?.last, let j = binders.firstIndex(of: last), colours[j] == colours[k] {
        groups[groups.count - 1].append(binders[k])
      } else {
        groups.append([binders[k]])
      }
    }
    let candidates = groups.reduce(1) { $0 * factorial($1.count) }
    if candidates == 1 || candidates > Normalizer.tieLimit { return groups.flatMap { $0 } }
    var best: (key: String, order: [String])? = nil
    for order in orders(groups) {
      let key = try Normalizer.sortedFactors(m, order).map(\.key).joined(separator: " ")
        + (try Term.sum(order, m.guardTerm, .one).alphaKey)
      if best == nil || key < best!.key { best = (key, order) }
    }
    return best!.order
  }

  /// The factors of `m` with their keys under the bound indices in `order`, sorted by key: a
  /// canonical order of factors once the order of the indices is canonical.
  static func sortedFactors(_ m: Monomial, _ order: [String]) throws -> [(key: String, factor: (atom: Term, exponent: Int))] {
    try m.factors.map { f in
      let t = f.exponent == 1 ? f.atom : Term.power(f.atom, Rational(f.exponent))
      let key = order.isEmpty ? t.alphaKey : try Term.sum(order, m.guardTerm, t).alphaKey
      return (key, f)
    }.sorted { $0.key < $1.key }
  }

  /// The item printed with `b` as `_self` and each other bound index as its entry in `others`.
  private func describe(_ item: Term, marking b: String, others: [String], _ binders: [String]) throws -> String {
    var map: [String: Affine] = [:]
    for (k, o) in binders.enumerated() { map[o] = try .index(o == b ? "_self" : others[k]) }
    return try item.substituting(map).serialized()
  }
}

private func factorial(_ n: Int) -> Int { n <= 1 ? 1 : (2...n).reduce(1, *) }

/// Every concatenation of one permutation of each group.
private func orders(_ groups: [[String]]) -> [[String]] {
  groups.reduce([[]]) { partial, group in partial.flatMap { p in permutations(group).map { p + $0 } } }
}

private func permutations(_ xs: [String]) -> [[String]] {
  if xs.count <= 1 { return [xs] }
  return xs.indices.flatMap { k -> [[String]] in
    var rest = xs
    let x = rest.remove(at: k)
    return permutations(rest).map { [x] + $0 }
  }
}
