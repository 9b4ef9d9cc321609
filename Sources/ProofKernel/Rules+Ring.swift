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
    guard try Polynomial(t, bound: []) == Polynomial(target, bound: []) else {
      throw KernelError.ruleMismatch(rule: "ring", reason: "\(t) and \(target) differ as polynomials")
    }
    return Theorem([], t, target)
  }
}

struct Monomial: Hashable {
  var dimensions: [String: Rational] = [:]
  var guardKey: Guard = .true  // the conjunction of the brackets (never false)
  var atoms: [String: Int] = [:]  // key -> positive exponent

  func times(_ m: Monomial) throws -> Monomial? {
    var r = self
    for (d, e) in m.dimensions {
      let s = (r.dimensions[d] ?? Rational(0)) + e
      r.dimensions[d] = s.isZero ? nil : s
    }
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
  init(atom key: String) { self.init(terms: [Monomial(atoms: [key: 1]): Rational(1)]) }

  /// The normal form of `t`, whose indices in `bound` are bound by enclosing sums (atom keys print
  /// them by position).
  init(_ t: Term, bound: [String]) throws {
    func key(_ t: Term) -> String {
      var p = Printer(deBruijn: true, inlineDefinitions: true)
      p.identifiesDefinitions = true
      p.bound = bound
      p.write(t)
      return p.out
    }
    switch t.node {
    case let .constant(q): self.init(constant: q)
    case let .dimension(d): self.init(terms: [Monomial(dimensions: [d: Rational(1)]): Rational(1)])
    case let .bracket(g): self.init(terms: [Monomial(guardKey: g): Rational(1)])
    case let .add(ts):
      var p = Polynomial(constant: Rational(0))
      for s in ts { try p.add(Polynomial(s, bound: bound)) }
      self.init(terms: p.terms)
    case let .mul(ts):
      var p = Polynomial(constant: Rational(1))
      for s in ts { p = try p.times(Polynomial(s, bound: bound)) }
      self.init(terms: p.terms)
    case let .power(base, q):
      if q.isInteger, q.signum >= 0, let n = Int(exactly: q.numerator), n <= 64 {
        var p = Polynomial(constant: Rational(1))
        let b = try Polynomial(base, bound: bound)
        for _ in 0..<n { p = try p.times(b) }
        self.init(terms: p.terms)
      } else if case let .dimension(d) = base.node {
        self.init(terms: [Monomial(dimensions: [d: q]): Rational(1)])
      } else if case let .constant(c) = base.node, q.isInteger, !c.isZero, let n = Int(exactly: q.numerator), n.magnitude <= 64 {
        guard max(c.numerator.bitWidth, c.denominator.bitWidth) * Int(n.magnitude) <= Polynomial.coefficientBits else {
          throw KernelError.ruleMismatch(rule: "ring", reason: "a power of a constant has more than \(Polynomial.coefficientBits) bits")
        }
        self.init(constant: try c.power(n))
      } else {
        self.init(atom: key(t))
      }
    case let .sum(bs, g, body):
      let inner = bound + bs
      var p = Polynomial(constant: Rational(0))
      for (m, c) in try Polynomial(body, bound: inner).terms {
        let guardAll = try g.and(m.guardKey)
        if guardAll.isFalse { continue }
        var printer = Printer(deBruijn: true, inlineDefinitions: true)
        printer.bound = inner
        let atoms = m.atoms.keys.sorted().map { "\($0)^\(m.atoms[$0]!)" }.joined(separator: " ")
        let sumKey = "(S \(bs.count) \(printer.guardText(guardAll)) \(atoms))"
        try p.add(Polynomial(terms: [Monomial(dimensions: m.dimensions, atoms: [sumKey: 1]): c]))
      }
      self.init(terms: p.terms)
    default:
      self.init(atom: key(t))
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
