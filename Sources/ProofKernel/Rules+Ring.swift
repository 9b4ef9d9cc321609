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
/// structure: a term's number is that of its node key, which holds what `Printer` would write of
/// the node itself (a definition as its number; the tests' `numberedKey`) and its children's
/// numbers, so equal numbers exactly for equal printed keys (Docs/Rules.md, "A note on the `ring`
/// rule's atom keys"). Nothing is printed. Node keys and sum keys are numbered from one counter, so
/// a sum never gets an atom's number.
final class AtomTable {
  private var nodes: [Node: Int] = [:], sums: [SumKey: Int] = [:]

  /// A node as `Printer` writes it in a key: affines and guards keyed as `SumKey` keys them (bound
  /// indices by position), a definition by its number (which only equal ones share, so its name with
  /// it), children by number; only the operands of `+` and `*` keep their order, as printed.
  private enum Node: Hashable {
    case leaf(Term.Node)  // a constant, a dimension or a named constant: no index in it
    case access(TensorSymbol, [SumKey.Side]), bracket(Bool, [SumKey.Row]), sum(Int, Bool, [SumKey.Row], Int)
    case add([Int]), mul([Int]), power(Rational, Int), apply(ScalarFunction, Int), reference(Int, [SumKey.Side])
    case derivative(TensorSymbol, TensorSymbol, Int), vjp(Int, [SumKey.Side], TensorSymbol, TensorSymbol?, Int, [SumKey.Side])
  }

  func number(_ key: SumKey) -> Int {
    if let n = sums[key] { return n } else { sums[key] = nodes.count + sums.count; return sums[key]! }
  }

  /// The number of `t` under `bound` (the indices bound outside it, innermost last).
  func number(of t: Term, bound: [String]) throws -> Int {
    func sides(_ xs: [Affine], _ b: [String]) throws -> [SumKey.Side] { try xs.map { try SumKey.side($0, 1, bound: b) } }
    let node: Node
    switch t.node {
    case .constant, .dimension, .named: node = .leaf(t.node)
    case let .access(x, idx): node = .access(x, try sides(idx, bound))
    case let .bracket(g): node = .bracket(g.isFalse, try SumKey.rows(g, bound: bound))
    case let .sum(bs, g, body): node = .sum(bs.count, g.isFalse, try SumKey.rows(g, bound: bound + bs), try number(of: body, bound: bound + bs))
    case let .add(ts): node = .add(try ts.map { try number(of: $0, bound: bound) })
    case let .mul(ts): node = .mul(try ts.map { try number(of: $0, bound: bound) })
    case let .power(b, q): node = .power(q, try number(of: b, bound: bound))
    case let .apply(f, a): node = .apply(f, try number(of: a, bound: bound))
    case let .reference(d, args): node = .reference(d.number, try sides(args, bound))
    case let .derivative(body, x, dx): node = .derivative(x, dx, try number(of: body, bound: bound))
    case let .vjp(v):
      let inner = bound + v.binders  // the output and the shape are written under the binders, `at` outside
      node = .vjp(v.binders.count, try sides(v.shape, inner), v.wrt, v.seed, try number(of: v.output, bound: inner), try sides(v.at, bound))
    }
    if let n = nodes[node] { return n } else { nodes[node] = nodes.count + sums.count; return nodes[node]! }
  }
}

/// A sum of one monomial, as the key `Printer` would write: its number of bound indices, its guard
/// with the indices bound by enclosing sums named by position (an equality by both its signs, which
/// renaming may swap) and its body's atoms by number (keys within one `AtomTable`). Compared as a
/// value, not printed: equal keys are the keys of sums equal up to renaming bound indices.
struct SumKey: Hashable {
  enum Name: Hashable, Comparable { case bound(Int), index(String), dimension(String) }
  struct Part: Hashable, Comparable {
    let name: Name, coefficient: Int
    static func < (a: Part, b: Part) -> Bool { (a.name, a.coefficient) < (b.name, b.coefficient) }
  }
  /// An affine: its parts sorted, as `Printer` sorts their texts.
  struct Side: Hashable, Comparable {
    let constant: Int, terms: [Part]
    static func < (a: Side, b: Side) -> Bool { a.constant != b.constant ? a.constant < b.constant : a.terms.lexicographicallyPrecedes(b.terms) }
  }
  /// A constraint; an equality by the lesser of its two signs, as `Printer.guardText` writes it.
  struct Row: Hashable, Comparable {
    let equal: Bool, side: Side
    static func < (a: Row, b: Row) -> Bool { a.equal != b.equal ? a.equal : a.side < b.side }
  }
  let binders: Int, rows: [Row], atoms: [Int: Int]

  init(binders: Int, _ g: Guard, bound: [String], atoms: [Int: Int]) throws {
    (self.binders, self.rows, self.atoms) = (binders, try Self.rows(g, bound: bound), atoms)
  }

  /// `sign * e` with each variable named as `Printer.variable` names it under `bound`.
  static func side(_ e: Affine, _ sign: Int, bound: [String]) throws -> Side {
    func name(_ v: Variable) -> Name {
      switch v {
      case let .dimension(n): return .dimension(n)
      case let .index(n): return bound.lastIndex(of: n).map { .bound(bound.count - 1 - $0) } ?? .index(n)
      }
    }
    let parts = try e.terms.map { Part(name: name($0.variable), coefficient: try Checked.mul($0.coefficient, sign)) }
    return Side(constant: try Checked.mul(e.constant, sign), terms: parts.count > 1 ? parts.sorted() : parts)
  }

  /// The constraints of `g` as `Printer.guardText` writes them, sorted.
  static func rows(_ g: Guard, bound: [String]) throws -> [Row] {
    try g.constraints.map { c in
      Row(equal: c.relation == .equal, side: c.relation == .equal ? min(try side(c.expression, 1, bound: bound), try side(c.expression, -1, bound: bound)) : try side(c.expression, 1, bound: bound))
    }.sorted()
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
        self.init(atom: try table.number(of: t, bound: bound))
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
      self.init(atom: try table.number(of: t, bound: bound))
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
    // A constant factor gives back each monomial of the other (`Monomial.times` by the unit): the
    // loop below would rebuild and rehash them all only to scale their coefficients.
    if terms.count == 1, let (m, c) = terms.first, m == Monomial() { return Polynomial(terms: try p.terms.mapValues { try Polynomial.checked(c * $0) }) }
    if p.terms.count == 1, let (m, c) = p.terms.first, m == Monomial() { return Polynomial(terms: try terms.mapValues { try Polynomial.checked($0 * c) }) }
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
