internal import Exact

// The ring rule: two terms are equal when they are equal as polynomials with rational coefficients
// in opaque atoms. It also knows three facts that hold for every value:
// - dimensions are >= 1, so they may carry rational exponents (d^a * d^b = d^(a+b));
// - brackets are 0 or 1: [G] * [H] = [G and H], [true] = 1, [false] = 0;
// - finite sums are linear: sum(b|G) (c*d*[H]*m1 + ...) = c*d*sum(b|G and H) m1 + ..., for rational
//   c and dimension powers d (which never depend on bound indices).
// Atoms are compared up to renaming of bound indices. One check replaces the steps ac-flatten,
// ac-sort, distribute, merge, fold, pow-one, sum-linear, sum-factor, sum-guard and bracket-merge.

extension Theorem {
  /// `ring`: `⊢ t = target` when both have the same polynomial normal form.
  public static func ring(_ t: Term, _ target: Term) throws -> Theorem {
    let atoms = AtomTable()
    guard try Polynomial(t, bound: [], atoms) == Polynomial(target, bound: [], atoms) else {
      throw KernelError.ruleMismatch(rule: "ring", reason: "\(t) and \(target) differ as polynomials")
    }
    return Theorem([], t, target)
  }
}

/// The atoms of one comparison (both sides of `ring`, or the two formulas of `follows`), numbered by
/// their printed keys in one table: equal keys get equal numbers and different keys different ones,
/// so comparing numbers is comparing keys. Each (term, bound names) is printed once; looking one up
/// hashes only its first nodes, and `==` on the whole term and names decides.
final class AtomTable {
  private var numbers: [String: Int] = [:], printed: [Printed: Int] = [:], sums: [SumKey: Int] = [:]
  private struct Printed: Hashable {
    let term: Term, bound: [String]
    func hash(into h: inout Hasher) {  // the accesses among its first 16 nodes, breadth first
      var queue = [term]
      for k in 0..<16 where k < queue.count {
        if case let .access(x, i) = queue[k].node { h.combine(x.name); h.combine(i) } else if queue.count < 16 { queue += queue[k].children }
      }
    }
  }

  func number(_ key: String) -> Int {
    if let n = numbers[key] { return n } else { numbers[key] = numbers.count + sums.count; return numbers[key]! }
  }

  func number(_ key: SumKey) -> Int {
    if let n = sums[key] { return n } else { sums[key] = numbers.count + sums.count; return sums[key]! }
  }

  /// The number of atom `t` under `bound`, printed with bound indices by position.
  func number(of t: Term, bound: [String]) -> Int {
    if let n = printed[Printed(term: t, bound: bound)] { return n }
    let n = number(t.numberedKey(bound: bound))
    printed[Printed(term: t, bound: bound)] = n
    return n
  }
}

/// A sum of one monomial, as the key `Printer` would write: its number of bound indices, its guard
/// with the indices bound by enclosing sums named by position (an equality by both its signs, which
/// renaming may swap) and its body's atoms by number (keys within one `AtomTable`). Compared as a
/// value, not printed: equal keys are the keys of sums equal up to renaming bound indices.
struct SumKey: Hashable {
  enum Name: Hashable { case bound(Int), index(String), dimension(String) }
  struct Side: Hashable { let constant: Int, terms: [Name: Int] }
  struct Row: Hashable { let equal: Bool, sides: Set<Side> }
  let binders: Int, rows: Set<Row>, atoms: [Int: Int]

  init(binders: Int, _ g: Guard, bound: [String], atoms: [Int: Int]) throws {
    func name(_ v: Variable) -> Name {
      switch v {
      case let .dimension(n): return .dimension(n)
      case let .index(n): return bound.lastIndex(of: n).map { .bound(bound.count - 1 - $0) } ?? .index(n)
      }
    }
    func side(_ e: Affine, _ sign: Int) throws -> Side {
      Side(constant: try Checked.mul(e.constant, sign), terms: Dictionary(uniqueKeysWithValues: try e.terms.map { (name($0.variable), try Checked.mul($0.coefficient, sign)) }))
    }
    rows = Set(try g.constraints.map { c in
      c.relation == .equal ? Row(equal: true, sides: [try side(c.expression, 1), try side(c.expression, -1)]) : Row(equal: false, sides: [try side(c.expression, 1)])
    })
    (self.binders, self.atoms) = (binders, atoms)
  }
}

struct Monomial: Hashable {
  var dimensions: [String: Rational] = [:]
  var guardKey: Guard = .true  // the conjunction of the brackets (never false)
  var atoms: [Int: Int] = [:]  // atom number (AtomTable) -> positive exponent

  func times(_ m: Monomial) throws -> Monomial? {
    var r = self
    r.dimensions.merge(m.dimensions, uniquingKeysWith: +)
    r.dimensions = r.dimensions.filter { !$0.value.isZero }
    r.guardKey = try guardKey.and(m.guardKey)
    if r.guardKey.isFalse { return nil }
    for (a, e) in m.atoms { r.atoms[a, default: 0] += e }
    return r
  }
}

struct Polynomial: Equatable {
  var terms: [Monomial: Rational]

  static let limit = 100_000  // monomials: beyond this the rule refuses rather than run away
  static let coefficientBits = 1 << 16  // the same for a coefficient's numerator or denominator

  /// Refuses a coefficient too large to compute with, rather than exhaust memory.
  static func checked(_ c: Rational) throws -> Rational {
    guard c.numerator.bitWidth <= coefficientBits, c.denominator.bitWidth <= coefficientBits else {
      throw KernelError.ruleMismatch(rule: "ring", reason: "a coefficient has more than \(coefficientBits) bits")
    }
    return c
  }

  init(terms: [Monomial: Rational]) { self.terms = terms }
  init(constant: Rational) { self.init(terms: constant.isZero ? [:] : [Monomial(): constant]) }
  init(atom number: Int) { self.init(terms: [Monomial(atoms: [number: 1]): Rational(1)]) }

  /// The normal form of `t`, whose indices in `bound` are bound by enclosing sums (atom keys print
  /// them by position), over the atoms of `table`.
  init(_ t: Term, bound: [String], _ table: AtomTable) throws {
    switch t.node {
    case let .constant(q): self.init(constant: q)
    case let .dimension(d): self.init(terms: [Monomial(dimensions: [d: Rational(1)]): Rational(1)])
    case let .bracket(g): self.init(terms: [Monomial(guardKey: g): Rational(1)])
    case let .add(ts):
      self.init(constant: Rational(0))
      for s in ts { try add(Polynomial(s, bound: bound, table)) }
    case let .mul(ts):
      self.init(constant: Rational(1))
      for s in ts { self = try times(Polynomial(s, bound: bound, table)) }
    case let .power(base, q):
      if q.isInteger, q.signum >= 0, let n = Int(exactly: q.numerator), n <= 64 {
        let b = try Polynomial(base, bound: bound, table)
        self.init(constant: Rational(1))
        for _ in 0..<n { self = try times(b) }
      } else if case let .dimension(d) = base.node {
        self.init(terms: [Monomial(dimensions: [d: q]): Rational(1)])
      } else if case let .constant(c) = base.node, q.isInteger, !c.isZero, let n = Int(exactly: q.numerator), n.magnitude <= 64 {
        guard max(c.numerator.bitWidth, c.denominator.bitWidth) * Int(n.magnitude) <= Polynomial.coefficientBits else {
          throw KernelError.ruleMismatch(rule: "ring", reason: "a power of a constant has more than \(Polynomial.coefficientBits) bits")
        }
        self.init(constant: try c.power(n))
      } else {
        self.init(atom: table.number(of: t, bound: bound))
      }
    case let .sum(bs, g, body):
      let inner = bound + bs
      self.init(constant: Rational(0))
      for (m, c) in try Polynomial(body, bound: inner, table).terms {
        let guardAll = try g.and(m.guardKey)
        if guardAll.isFalse { continue }
        let key = try SumKey(binders: bs.count, guardAll, bound: inner, atoms: m.atoms)
        try add(Polynomial(terms: [Monomial(dimensions: m.dimensions, atoms: [table.number(key): 1]): c]))
      }
    default:
      self.init(atom: table.number(of: t, bound: bound))
    }
  }

  mutating func add(_ p: Polynomial) throws {
    for (m, c) in p.terms {
      let s = try Polynomial.checked((terms[m] ?? Rational(0)) + c)
      terms[m] = s.isZero ? nil : s
    }
    guard terms.count <= Polynomial.limit else { throw KernelError.ruleMismatch(rule: "ring", reason: "polynomial too large") }
  }

  func times(_ p: Polynomial) throws -> Polynomial {
    var r = Polynomial(constant: Rational(0))
    for (m1, c1) in terms {
      var partial = Polynomial(constant: Rational(0))
      for (m2, c2) in p.terms {
        guard let m = try m1.times(m2) else { continue }
        partial.terms[m] = (partial.terms[m] ?? Rational(0)) + c1 * c2
      }
      try r.add(partial)
    }
    return r
  }
}
