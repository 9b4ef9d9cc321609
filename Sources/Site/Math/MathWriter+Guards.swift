import ProofKernel

// Affine index expressions, guards (ranges of sums, Iverson brackets), formulas and sequents.
extension MathWriter {
  /// `2p + u − 1`.
  func affine(_ a: Affine) -> String { linear(Linear(a)) }

  func linear(_ a: Linear) -> String {
    var out = ""
    for (v, c) in a.terms {
      let name = Math.identifier(v.name)
      let magnitude = c.magnitude == 1 ? name : "<mrow>\(Math.number(String(c.magnitude)))<mo>&#x2062;</mo>\(name)</mrow>"
      if out.isEmpty { out = c < 0 ? "<mo>&#x2212;</mo>" + magnitude : magnitude } else { out += (c < 0 ? "<mo>&#x2212;</mo>" : "<mo>+</mo>") + magnitude }
    }
    if out.isEmpty { return Math.number(String(a.constant)) }
    if a.constant != 0 { out += (a.constant < 0 ? "<mo>&#x2212;</mo>" : "<mo>+</mo>") + Math.number(String(a.constant.magnitude)) }
    return a.terms.count == 1 && a.constant == 0 ? out : "<mrow>\(out)</mrow>"
  }

  /// A constraint `e >= 0` (or `e == 0`) written with the positive terms on the left and the
  /// negative ones on the right: `n - j - 1 >= 0` is `n ≥ j + 1`.
  func constraint(_ c: Constraint) -> String {
    let e = c.expression
    let left = Linear(terms: e.terms.filter { $0.coefficient > 0 }, constant: max(e.constant, 0))
    let right = Linear(terms: e.terms.filter { $0.coefficient < 0 }.map { ($0.variable, -$0.coefficient) }, constant: max(-e.constant, 0))
    return "<mrow>\(linear(left))<mo>\(c.relation == .equal ? "=" : "&#x2265;")</mo>\(linear(right))</mrow>"
  }

  /// The constraints of `g`, a plain range `0 <= i <= n - 1` written `0 ≤ i < n`, the others one
  /// by one; joined by ∧.
  func conditions(_ g: Guard) -> [String] {
    if g.isFalse { return ["<mi mathvariant=\"normal\">false</mi>"] }
    let (ranges, rest) = GuardRanges.split(g)
    return ranges.map { range($0.index, $0.size) } + rest.map(constraint)
  }

  func range(_ index: String, _ size: Affine) -> String { range(index, Linear(size)) }

  func range(_ index: String, _ size: Linear) -> String {
    "<mrow><mn>0</mn><mo>&#x2264;</mo>\(Math.identifier(index))<mo>&lt;</mo>\(linear(size))</mrow>"
  }

  /// An Iverson bracket `[G]`, or δ with two subscripts for `i - j == 0`.
  func bracket(_ g: Guard) -> String {
    if let (i, j) = GuardRanges.delta(g) { return Math.subscripted("<mi>&#x3B4;</mi>", [Math.identifier(i), Math.identifier(j)]) }
    let inside = conditions(g).joined(separator: "<mo>&#x2227;</mo>")
    return "<mrow><mo>[</mo>\(inside)<mo>]</mo></mrow>"
  }

  /// The ∑ of `sum(bs | g)`: one ∑ from 0 to `n − 1` per binder when each binder has a plain
  /// range, the guard's other constraints then an Iverson bracket after them (the same sum);
  /// otherwise one ∑ with the binders and the constraints stacked below it.
  func summation(_ bs: [String], _ g: Guard) -> String {
    let (ranges, rest) = GuardRanges.split(g)
    let sizes = Dictionary(ranges.map { ($0.index, $0.size) }, uniquingKeysWith: { a, _ in a })
    if bs.allSatisfy({ sizes[$0] != nil }) {
      let sums = bs.map { b in
        let size = sizes[b]!
        let upper = linear(Linear(terms: size.terms, constant: size.constant - 1))
        return "<munderover><mo>&#x2211;</mo><mrow>\(Math.identifier(b))<mo>=</mo><mn>0</mn></mrow>\(upper)</munderover>"
      }.joined()
      // Ranges of indices that are not binders of this sum stay in the bracket.
      let others = ranges.filter { !bs.contains($0.index) }.map { range($0.index, $0.size) }
      let conditions = others + rest.map(constraint)
      return conditions.isEmpty ? sums : sums + "<mrow><mo>[</mo>\(conditions.joined(separator: "<mo>&#x2227;</mo>"))<mo>]</mo></mrow>"
    }
    let rows = [bs.map(Math.identifier).joined(separator: "<mo separator=\"true\">,</mo>")] + conditions(g)
    let table = "<mtable>" + rows.map { "<mtr><mtd>\($0)</mtd></mtr>" }.joined() + "</mtable>"
    return "<munder><mo>&#x2211;</mo><mstyle scriptlevel=\"1\">\(table)</mstyle></munder>"
  }

  // MARK: - Formulas and sequents

  func formula(_ f: Proposition) -> String {
    switch f {
    case let .equal(a, b): return "<mrow>\(term(a))<mo>=</mo>\(term(b))</mrow>"
    case let .nonZero(t): return "<mrow>\(term(t))<mo>&#x2260;</mo><mn>0</mn></mrow>"
    case let .positive(t): return "<mrow>\(term(t))<mo>&gt;</mo><mn>0</mn></mrow>"
    case let .holds(g): return "<mrow>\(conditions(g).joined(separator: "<mo>&#x2227;</mo>"))</mrow>"
    case let .forAll(bs, g, body):
      let over = conditions(g).joined(separator: "<mo>&#x2227;</mo>")
      let names = bs.map(Math.identifier).joined(separator: "<mo separator=\"true\">,</mo>")
      return "<mrow><mo>&#x2200;</mo>\(names)<mo>:</mo>\(over)<mo>.</mo><mspace width=\"0.5em\"></mspace>\(formula(body))</mrow>"
    }
  }

  /// `lhs = rhs`; the focus, when set, is a path into `rhs` (where the kernel's rules apply).
  func equation(_ lhs: Term, _ rhs: Term) -> String {
    var left = self
    left.focus = nil
    return "<mrow>\(left.term(lhs))<mo>=</mo>\(term(rhs))</mrow>"
  }

  /// `h1, h2 ⊢ lhs = rhs`.
  func sequent(_ th: Theorem) -> String {
    var plain = self
    plain.focus = nil
    let hypotheses = th.hypotheses.map(plain.formula).joined(separator: "<mo separator=\"true\">,</mo>")
    return "<mrow>\(hypotheses)<mo>&#x22A2;</mo>\(equation(th.lhs, th.rhs))</mrow>"
  }
}

/// Reading plain ranges and Kronecker deltas out of a guard.
enum GuardRanges {
  /// The ranges `0 <= i <= n - 1` of `g` (by index, in constraint order) and the other constraints.
  static func split(_ g: Guard) -> (ranges: [(index: String, size: Linear)], rest: [Constraint]) {
    var ranges: [(String, Linear)] = [], used = Set<Int>()
    for (k, c) in g.constraints.enumerated() where c.relation == .nonNegative {
      guard c.expression.constant == 0, c.expression.terms.count == 1, c.expression.terms[0].coefficient == 1,
        case let .index(i) = c.expression.terms[0].variable
      else { continue }
      // The upper bound: -i + size - 1 >= 0 with a size of dimensions only.
      guard let u = g.constraints.indices.first(where: { u in
        let e = g.constraints[u].expression
        return !used.contains(u) && g.constraints[u].relation == .nonNegative && e.coefficient(of: .index(i)) == -1
          && e.terms.allSatisfy { $0.variable == .index(i) || !$0.variable.isIndex }
      }) else { continue }
      let upper = g.constraints[u].expression
      ranges.append((i, Linear(terms: upper.terms.filter { $0.variable != .index(i) }, constant: upper.constant + 1)))
      used.formUnion([k, u])
    }
    return (ranges, g.constraints.enumerated().filter { !used.contains($0.offset) }.map(\.element))
  }

  /// `(i, j)` when `g` is exactly `i - j == 0`.
  static func delta(_ g: Guard) -> (String, String)? {
    guard g.constraints.count == 1, let c = g.constraints.first, c.relation == .equal, c.expression.constant == 0,
      c.expression.terms.count == 2, c.expression.terms[0].coefficient == 1, c.expression.terms[1].coefficient == -1
    else { return nil }
    return (c.expression.terms[0].variable.name, c.expression.terms[1].variable.name)
  }
}

/// An affine expression as plain parts, `terms + constant`, for writing: no validation, so sizes
/// and bounds derived from a guard cost nothing to form.
struct Linear {
  var terms: [(variable: Variable, coefficient: Int)]
  var constant: Int

  init(terms: [(variable: Variable, coefficient: Int)], constant: Int) {
    self.terms = terms
    self.constant = constant
  }

  init(_ a: Affine) { self.init(terms: a.terms, constant: a.constant) }
}

extension Variable {
  var isIndex: Bool { if case .index = self { return true } else { return false } }
}
