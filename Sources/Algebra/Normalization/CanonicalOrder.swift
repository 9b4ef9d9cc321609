internal import Exact
public import ProofKernel

// Canonical order of the bound indices of one monomial (Docs/Engine.md, "Canonical order of bound
// indices").
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
    let graph = try BinderGraph(m)
    let colours = graph.refinedColours()
    // Order by colour; then try the orders within ties.
    let sorted = m.binders.indices.sorted { (colours[$0], $0) < (colours[$1], $1) }
    var groups: [[Int]] = []
    for k in sorted {
      if let last = groups.last?.last, colours[last] == colours[k] { groups[groups.count - 1].append(k) } else { groups.append([k]) }
    }
    let candidates = groups.reduce(1) { $0 * factorial($1.count) }
    if candidates == 1 || candidates > Normalizer.tieLimit { return groups.flatMap { $0 }.map { m.binders[$0] } }
    // Atoms other than accesses are not fully described by the key: a tie of keys is broken by
    // their printing, which is computed only then (each costs a key per factor).
    func text(_ order: [Int]) throws -> String {
      graph.complete ? "" : try Normalizer.sortedFactors(m, order.map { m.binders[$0] }, printingGuard: true).map(\.key).joined(separator: " ")
    }
    var best: (key: [Int], text: String?, order: [Int])? = nil
    for order in orders(groups) {
      let key = graph.key(order)
      guard let b = best, key >= b.key else {
        best = (key, nil, order)
        continue
      }
      guard key == b.key else { continue }
      let (mine, theirs) = (try text(order), try b.text ?? text(b.order))
      best = mine < theirs ? (key, mine, order) : (b.key, theirs, b.order)
    }
    return best!.order.map { m.binders[$0] }
  }

  /// The factors of `m` with their keys under the bound indices in `order`, sorted: a canonical
  /// order of factors once the order of the indices is canonical.
  ///
  /// Sorted first by the key with every index free in the factor and not in `order` printed as
  /// one blank, then by the key itself. A function's argument is normalized on its own, so the
  /// indices bound outside it (attention's tokens `t`, `s` in `exp(sum(e) Q[t, e] * K[s, e])`) are
  /// free there, under whatever names each side of an identity gave them; ordering by their names
  /// put `Q` first on one side and `K` first on the other, and the kernel compares an atom's
  /// factors in order. The blank key does not depend on those names; only factors equal up to
  /// which free index sits where are still ordered by name.
  ///
  /// The keys are under `Term.pinning(order)`, not the guard (the same order, the guard not
  /// printed), unless `printingGuard`: comparing the texts of two orders of the indices
  /// (`canonicalOrder`'s ties) compares the guard as each order prints it.
  static func sortedFactors(_ m: Monomial, _ order: [String], printingGuard: Bool = false) throws
    -> [(key: String, factor: (atom: Term, exponent: Int))] {
    let bound = Set(order)
    let frame = printingGuard || order.isEmpty ? m.guardTerm : try Term.pinning(order)
    func key(_ t: Term) throws -> String { order.isEmpty ? t.key : try t.key(under: order, frame) }
    return try m.factors.map { f in
      let t = f.exponent == 1 ? f.atom : Term.power(f.atom, Rational(f.exponent))
      let own = try key(t)
      let outer = t.freeIndices.subtracting(bound)
      guard !outer.isEmpty else { return (own, own, f) }
      return (try key(try t.substituting(Dictionary(uniqueKeysWithValues: try outer.map { ($0, try Affine.index("_o")) }))), own, f)
    }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { (key: $0.1, factor: $0.2) }
  }

}

private func factorial(_ n: Int) -> Int { n <= 1 ? 1 : (2...n).reduce(1, *) }

/// Every concatenation of one permutation of each group.
private func orders(_ groups: [[Int]]) -> [[Int]] {
  groups.reduce([[]]) { partial, group in partial.flatMap { p in permutations(group).map { p + $0 } } }
}

private func permutations(_ xs: [Int]) -> [[Int]] {
  if xs.count <= 1 { return [xs] }
  return xs.indices.flatMap { k -> [[Int]] in
    var rest = xs
    let x = rest.remove(at: k)
    return permutations(rest).map { [x] + $0 }
  }
}

/// Canonical ordering of bound indices, for callers outside the engine (benchmarks, tools).
public enum CanonicalForm {
  /// The canonical order of the bound indices of a sum of a product of atoms: two such sums that
  /// differ only by renaming and reordering their indices get orders under which they print alike.
  public static func order(of sum: Term) throws -> [String] { try Prepared(sum).order() }

  /// A sum read once, to order many times (what the engine does per monomial).
  public struct Prepared {
    let monomial: Monomial

    public init(_ sum: Term) throws {
      guard let m = try readMonomial(sum), !m.binders.isEmpty else {
        throw NormalizationError.unsupported("not a sum of a product of atoms: \(sum)")
      }
      monomial = m
    }

    public func order() throws -> [String] { try Normalizer(avoiding: []).canonicalOrder(monomial) }
  }
}
