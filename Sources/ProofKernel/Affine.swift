/// A variable of an index expression: an index (bound by a `sum` or free in a theorem) or a dimension
/// symbol (an integer >= 1, the same everywhere in a theorem).
public enum Variable: Hashable, Comparable, Sendable {
  case dimension(String)
  case index(String)

  public var name: String {
    switch self { case let .dimension(n), let .index(n): return n }
  }
}

/// An affine integer expression `c + a1*v1 + ... + ak*vk` over indices and dimensions, in canonical
/// form: variables sorted and distinct, no zero coefficient. Equal expressions are equal values.
public struct Affine: Hashable, Sendable {
  public let constant: Int
  /// (variable, coefficient) pairs, sorted by variable, coefficients non-zero.
  public let terms: [(variable: Variable, coefficient: Int)]

  public static func == (a: Affine, b: Affine) -> Bool {
    a.constant == b.constant && a.terms.elementsEqual(b.terms) { $0.variable == $1.variable && $0.coefficient == $1.coefficient }
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(constant)
    for t in terms { hasher.combine(t.variable); hasher.combine(t.coefficient) }
  }

  /// Builds the canonical form, merging repeated variables. Validates identifiers.
  public init(constant: Int = 0, _ terms: [(Variable, Int)] = []) throws {
    // Few variables: a linear merge, no hashing (this is on every path of every rule).
    var merged: [(variable: Variable, coefficient: Int)] = []
    for (v, c) in terms {
      try requireIdentifier(v.name, in: "affine expression")
      if let k = merged.firstIndex(where: { $0.variable == v }) {
        merged[k].coefficient = try Checked.add(merged[k].coefficient, c)
      } else {
        merged.append((v, c))
      }
    }
    self.init(constant: constant, canonical: merged.filter { $0.coefficient != 0 }.sorted { $0.variable < $1.variable })
  }

  /// From parts already in canonical form (identifiers checked, sorted, distinct, non-zero): for
  /// the kernel's own arithmetic on canonical forms, never for input.
  init(constant: Int, canonical terms: [(variable: Variable, coefficient: Int)]) {
    self.constant = constant
    self.terms = terms
  }

  /// The index `name`.
  public static func index(_ name: String) throws -> Affine { try Affine([(.index(name), 1)]) }
  /// The dimension `name`.
  public static func dimension(_ name: String) throws -> Affine { try Affine([(.dimension(name), 1)]) }
  /// The integer `c`.
  public static func constant(_ c: Int) -> Affine { try! Affine(constant: c) }

  public func coefficient(of v: Variable) -> Int { terms.first { $0.variable == v }?.coefficient ?? 0 }

  /// Index names with a non-zero coefficient.
  public var indices: Set<String> {
    Set(terms.compactMap { if case let .index(n) = $0.variable { return n } else { return nil } })
  }

  /// True when an index of `names` occurs (without building `indices`).
  func mentionsIndex(in names: [String]) -> Bool { terms.contains { if case let .index(n) = $0.variable { names.contains(n) } else { false } } }

  /// True when only dimensions (or nothing) occur.
  public var isDimensionOnly: Bool { !terms.contains { if case .index = $0.variable { true } else { false } } }

  public func plus(_ other: Affine) throws -> Affine {
    // Both sides are canonical: merge the sorted lists.
    var merged: [(variable: Variable, coefficient: Int)] = []
    merged.reserveCapacity(terms.count + other.terms.count)
    var (a, b) = (0, 0)
    while a < terms.count || b < other.terms.count {
      if b == other.terms.count || (a < terms.count && terms[a].variable < other.terms[b].variable) {
        merged.append(terms[a]); a += 1
      } else if a == terms.count || other.terms[b].variable < terms[a].variable {
        merged.append(other.terms[b]); b += 1
      } else {
        let c = try Checked.add(terms[a].coefficient, other.terms[b].coefficient)
        if c != 0 { merged.append((terms[a].variable, c)) }
        a += 1; b += 1
      }
    }
    return Affine(constant: try Checked.add(constant, other.constant), canonical: merged)
  }

  public func scaled(by k: Int) throws -> Affine {
    if k == 0 { return .constant(0) }
    return Affine(constant: try Checked.mul(constant, k), canonical: try terms.map { ($0.variable, try Checked.mul($0.coefficient, k)) })
  }

  /// Replaces indices by affine expressions, all at once.
  public func substituting(_ map: [String: Affine]) throws -> Affine {
    // No index of the map: rebuilt term by term, it would be this expression again.
    if !terms.contains(where: { if case let .index(n) = $0.variable { map[n] != nil } else { false } }) { return self }
    var result = Affine.constant(constant)
    for (v, c) in terms {
      if case let .index(n) = v, let e = map[n] {
        result = try result.plus(e.scaled(by: c))
      } else {
        result = try result.plus(Affine([(v, c)]))
      }
    }
    return result
  }

  /// Known to be >= 0 for every value of the dimensions (each >= 1): no indices, no negative
  /// dimension coefficient, and the value at all dimensions = 1 is >= 0.
  public var isKnownNonNegative: Bool {
    guard isDimensionOnly, terms.allSatisfy({ $0.coefficient > 0 }) else { return false }
    return (try? terms.reduce(constant) { try Checked.add($0, $1.coefficient) }).map { $0 >= 0 } ?? false
  }
}
