internal import Exact

// The ring rule: two terms are equal when they are equal as polynomials with rational coefficients
// in opaque atoms. Atoms are compared up to renaming of bound indices; dimensions (>= 1) may carry
// rational exponents, since d^a * d^b = d^(a+b) holds for d > 0. This one check replaces the steps
// ac-flatten, ac-sort, distribute, merge, fold and pow-one of NORMAL_FORM.md.

extension Theorem {
  /// `ring`: `⊢ t = target` when both have the same polynomial normal form.
  public static func ring(_ t: Term, _ target: Term) throws -> Theorem {
    guard try Polynomial(t) == Polynomial(target) else {
      throw KernelError.ruleMismatch(rule: "ring", reason: "\(t) and \(target) differ as polynomials")
    }
    return Theorem([], t, target)
  }
}

struct Monomial: Hashable {
  var dimensions: [String: Rational] = [:]
  var atoms: [String: Int] = [:]  // alpha key -> positive exponent

  func times(_ m: Monomial) -> Monomial {
    var r = self
    for (d, e) in m.dimensions {
      let s = (r.dimensions[d] ?? Rational(0)) + e
      r.dimensions[d] = s.isZero ? nil : s
    }
    for (a, e) in m.atoms { r.atoms[a, default: 0] += e }
    return r
  }
}

struct Polynomial: Equatable {
  var terms: [Monomial: Rational]

  static let limit = 100_000  // monomials: beyond this the rule refuses rather than run away

  init(terms: [Monomial: Rational]) { self.terms = terms }

  init(constant: Rational) { self.init(terms: constant.isZero ? [:] : [Monomial(): constant]) }

  init(_ t: Term) throws {
    switch t.node {
    case let .constant(q): self.init(constant: q)
    case let .dimension(d): self.init(terms: [Monomial(dimensions: [d: Rational(1)]): Rational(1)])
    case let .add(ts):
      var p = Polynomial(constant: Rational(0))
      for s in ts { try p.add(Polynomial(s)) }
      self.init(terms: p.terms)
    case let .mul(ts):
      var p = Polynomial(constant: Rational(1))
      for s in ts { p = try p.times(Polynomial(s)) }
      self.init(terms: p.terms)
    case let .power(base, q):
      if q.isInteger, q.signum >= 0, let n = Int(exactly: q.numerator), n <= 64 {
        var p = Polynomial(constant: Rational(1))
        let b = try Polynomial(base)
        for _ in 0..<n { p = try p.times(b) }
        self.init(terms: p.terms)
      } else if case let .dimension(d) = base.node {
        self.init(terms: [Monomial(dimensions: [d: q]): Rational(1)])
      } else if case let .constant(c) = base.node, q.isInteger, !c.isZero, let n = Int(exactly: q.numerator) {
        self.init(constant: try c.power(n))
      } else {
        self.init(terms: [Monomial(atoms: [t.alphaKey: 1]): Rational(1)])
      }
    default:
      self.init(terms: [Monomial(atoms: [t.alphaKey: 1]): Rational(1)])
    }
  }

  mutating func add(_ p: Polynomial) throws {
    for (m, c) in p.terms {
      let s = (terms[m] ?? Rational(0)) + c
      terms[m] = s.isZero ? nil : s
    }
    guard terms.count <= Polynomial.limit else { throw KernelError.ruleMismatch(rule: "ring", reason: "polynomial too large") }
  }

  func times(_ p: Polynomial) throws -> Polynomial {
    var r = Polynomial(constant: Rational(0))
    for (m1, c1) in terms {
      var partial = Polynomial(constant: Rational(0))
      for (m2, c2) in p.terms { partial.terms[m1.times(m2)] = c1 * c2 }
      try r.add(partial)
    }
    return r
  }
}
