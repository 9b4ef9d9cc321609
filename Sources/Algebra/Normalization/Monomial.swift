internal import Exact
internal import ProofKernel

/// One monomial of a normal form: `c * n^a * ... * sum(b | G) f1^e1 * ... * fk^ek`, or without bound
/// indices `c * n^a * [G] * f1^e1 * ...`. Factors are atoms: accesses, function applications, named
/// constants, and powers with exponents that are not natural numbers.
struct Monomial {
  var coefficient: Rational
  var dimensions: [String: Rational] = [:]
  var binders: [String] = []
  var guardTerm: Guard = .true
  var factors: [(atom: Term, exponent: Int)] = []

  init(coefficient: Rational = Rational(1)) { self.coefficient = coefficient }

  static func atom(_ t: Term) -> Monomial {
    var m = Monomial()
    m.factors = [(t, 1)]
    return m
  }

  /// Multiplies in an atom, merging with an equal one.
  mutating func multiply(atom: Term, exponent: Int) {
    // Without bound indices of its own an atom is alpha-equivalent only to itself; printing (the
    // expensive test) is needed only for atoms with sums inside.
    let scoped = atom.hasInnerBinders
    if let k = factors.firstIndex(where: { $0.atom == atom || scoped && $0.atom.hasInnerBinders && $0.atom.key == atom.key }) {
      factors[k].exponent += exponent
    } else {
      factors.append((atom, exponent))
    }
  }

  /// The product, assuming the bound indices of the two are distinct.
  func times(_ other: Monomial) throws -> Monomial {
    var r = self
    r.coefficient = coefficient * other.coefficient
    for (d, q) in other.dimensions {
      let s = (r.dimensions[d] ?? Rational(0)) + q
      r.dimensions[d] = s.isZero ? nil : s
    }
    r.binders += other.binders
    r.guardTerm = try guardTerm.and(other.guardTerm)
    for f in other.factors { r.multiply(atom: f.atom, exponent: f.exponent) }
    return r
  }

  var isZero: Bool { coefficient.isZero || guardTerm.isFalse }

  // MARK: - Terms

  /// The factors that precede the sum part: the coefficient (unless 1) and dimension powers.
  var prefix: [Term] {
    var out: [Term] = coefficient == Rational(1) ? [] : [.constant(coefficient)]
    for d in dimensions.keys.sorted() {
      let dim = try! Term.dimension(d)
      out.append(dimensions[d]! == Rational(1) ? dim : .power(dim, dimensions[d]!))
    }
    return out
  }

  var factorTerms: [Term] { factors.map { $0.exponent == 1 ? $0.atom : .power($0.atom, Rational($0.exponent)) } }

  /// `sum(b | G) f1 * ...`, or `[G] * f1 * ...` without bound indices.
  func sumPart() throws -> Term {
    if binders.isEmpty { return .mul([.bracket(guardTerm)] + factorTerms) }
    return try .sum(binders, guardTerm, .mul(factorTerms))
  }

  /// The term this monomial stands for, in the layout the normalizer relies on: the prefix factors,
  /// then the sum part (flattened into the product when there are no bound indices).
  func term() throws -> Term {
    if isZero { return .zero }
    if binders.isEmpty { return .mul(prefix + (guardTerm.constraints.isEmpty ? [] : [.bracket(guardTerm)]) + factorTerms) }
    return .mul(prefix + [try sumPart()])
  }

  /// The path from the monomial's term to its sum (only with bound indices).
  var sumPath: [Int] { prefix.isEmpty ? [] : [prefix.count] }

  /// The path from the sum to the `k`-th factor of its body.
  func factorPath(_ k: Int) -> [Int] { factors.count == 1 ? [0] : [0, k] }

  /// `shapeKey` of a monomial in its final form (`tidy`: bound indices in canonical order, factors
  /// sorted by their keys under them), from those keys, which the sort has just computed and
  /// `Term.key(under:)` remembers, instead of printing the whole monomial again: equal for two
  /// such monomials exactly when they differ at most in their coefficient and bound names.
  func mergeKey() throws -> String {
    let dims = dimensions.keys.sorted().map { "\($0)^\(dimensions[$0]!)" }.joined(separator: " ")
    // The factors keyed without the guard (`Term.pinning`): the frame, printed before them, has it.
    let pin = binders.isEmpty ? .true : try Term.pinning(binders)
    let parts = try factors.map { f -> String in
      let t = f.exponent == 1 ? f.atom : Term.power(f.atom, Rational(f.exponent))
      return binders.isEmpty ? t.key : try t.key(under: binders, pin)
    }.sorted()
    let frame = binders.isEmpty ? Term.bracket(guardTerm).key : try Term.constant(Rational(1)).key(under: binders, guardTerm)
    return "\(binders.count) [\(dims)] \(frame) \(parts.joined(separator: " "))"
  }

  /// A key equal for monomials that differ at most in their coefficient (and bound names).
  func shapeKey() throws -> String {
    var m = self
    m.coefficient = Rational(1)
    return try m.term().key
  }
}

extension Array where Element == Monomial {
  func term() throws -> Term { .add(try map { try $0.term() }) }
}

/// Reads a monomial from a product of constants, dimension powers, brackets, at most one sum of
/// such a product, and atoms. Nil for anything else (a sum of terms, nested sums).
func readMonomial(_ t: Term) throws -> Monomial? {
  var m = Monomial()
  func read(_ t: Term, insideSum: Bool) throws -> Bool {
    switch t.node {
    case let .constant(q): m.coefficient = m.coefficient * q
    case let .dimension(d): m.dimensions[d] = (m.dimensions[d] ?? Rational(0)) + Rational(1)
    case let .bracket(g): m.guardTerm = try m.guardTerm.and(g)
    case let .mul(fs): for f in fs where try !read(f, insideSum: insideSum) { return false }
    case let .sum(bs, g, body):
      guard !insideSum, m.binders.isEmpty else { return false }
      m.binders = bs
      m.guardTerm = try m.guardTerm.and(g)
      return try read(body, insideSum: true)
    case let .power(b, q):
      if case let .dimension(d) = b.node {
        m.dimensions[d] = (m.dimensions[d] ?? Rational(0)) + q
      } else if q.isInteger, q.signum > 0, let n = Int(exactly: q.numerator), isAtom(b) {
        m.multiply(atom: b, exponent: n)
      } else {
        m.multiply(atom: t, exponent: 1)
      }
    case .add, .derivative: return false
    default: m.multiply(atom: t, exponent: 1)
    }
    return true
  }
  guard try read(t, insideSum: false) else { return nil }
  m.dimensions = m.dimensions.filter { !$0.value.isZero }
  return m
}

/// An atom of a normal form: not a constant, dimension, bracket, sum, sum of terms or product.
func isAtom(_ t: Term) -> Bool {
  switch t.node {
  case .constant, .dimension, .bracket, .sum, .add, .mul: return false
  case let .power(b, q): return !(q.isInteger && q.signum >= 0) && !(b.node.isDimension)
  default: return true
  }
}

extension Term.Node {
  var isDimension: Bool { if case .dimension = self { return true } else { return false } }
  var isApply: Bool { if case .apply = self { return true } else { return false } }
}

extension Term {
  /// True when a sum or a vjp (which bind indices) occurs inside.
  var hasInnerBinders: Bool {
    switch node {
    case .sum, .vjp: return true
    case .reference: return false  // a definition's body is compared with the definition
    default: return children.contains { $0.hasInnerBinders }
    }
  }
}
