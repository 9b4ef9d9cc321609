internal import Exact
internal import ProofKernel

/// Prints terms, guards and formulas as theorem-language text that parses back to the same value.
///
/// It follows the kernel's `description` (Term+Description.swift) with three differences: a sum
/// nested as the first operand of a sum is parenthesized (the kernel prints `add([add([a, b]), c])`
/// and `add([a, b, c])` both as `a + b + c`); negated operands print as subtraction (`a - b` for
/// `a + (-1) * b`, `-x * y` for `(-1) * x * y`), exactly where the parser's sugar reads them back to
/// the same term; and binders print as `sum(i: n, j: m | extra)` where ranges can be read off.
enum TermPrinter {
  /// Where a term is printed, from loosest to tightest.
  enum Level: Int, Comparable {
    /// A whole expression: anything unparenthesized.
    case expression
    /// An operand of `+` or a sum body (a product chain): sums parenthesized inside, not here.
    case operand
    /// A factor of `*`.
    case factor
    /// The base of `^`.
    case base

    static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
  }

  static func text(_ t: Term, _ level: Level = .expression) -> String {
    func wrap(_ s: String, from tightest: Level) -> String { level >= tightest ? "(" + s + ")" : s }
    switch t.node {
    case let .constant(q):
      return q.signum < 0 || !q.isInteger ? wrap(q.description, from: .factor) : q.description
    case let .dimension(n), let .named(n): return n
    case let .access(x, idx): return subscripted(x.name, idx)
    case let .reference(d, idx): return subscripted(d.name, idx)
    case let .bracket(g): return guardText(g)
    case let .sum(bs, g, body):
      return wrap("sum(\(binderText(bs, g))) \(text(body, .operand))", from: .factor)
    case let .add(ts):
      var s = text(ts[0], .operand)
      for u in ts.dropFirst() { s += laterOperand(u) }
      return wrap(s, from: .operand)
    case let .mul(fs):
      if level <= .operand, let s = negatedProduct(fs) { return s }
      return wrap(fs.map { text($0, .factor) }.joined(separator: " * "), from: .factor)
    case let .power(b, q):
      let exponent = q.isInteger && q.signum >= 0 ? q.description : "(\(q))"
      return wrap("\(text(b, .base)) ^ \(exponent)", from: .base)
    case let .apply(f, a): return "\(f.rawValue)(\(text(a)))"
    case let .derivative(body, x, dx): return "D(\(text(body)))[\(x.name) := \(dx.name)]"
    case let .vjp(v):
      let at = "[" + v.at.map(\.description).joined(separator: ", ") + "]"
      guard let seed = v.seed else { return "grad(\(text(v.output)), \(v.wrt.name))\(at)" }
      let binders = zip(v.binders, v.shape).map { "\($0): \($1)" }.joined(separator: ", ")
      return "vjp(\(binders.isEmpty ? "" : binders + " ")-> \(text(v.output)), \(v.wrt.name), \(seed.name))\(at)"
    }
  }

  /// `x` for a scalar, `x[i, 2*j + 1]` otherwise.
  static func subscripted(_ name: String, _ idx: [Affine]) -> String {
    idx.isEmpty ? name : name + "[" + idx.map(\.description).joined(separator: ", ") + "]"
  }

  /// ` + u`, or ` - v` when `u` is `-v` as the parser reads subtraction: a negative number, or
  /// `(-1) * f1 * ... * fk` with `k >= 2`, or `(-1) * f` with `f` neither a number nor a product.
  private static func laterOperand(_ u: Term) -> String {
    if case let .constant(q) = u.node, q.signum < 0 { return " - " + (-q).description }
    if case let .mul(fs) = u.node, fs.count >= 2, isMinusOne(fs[0]) {
      let rest = Array(fs.dropFirst())
      if rest.count >= 2 { return " - " + rest.map { text($0, .factor) }.joined(separator: " * ") }
      if !isNumberOrProduct(rest[0]) { return " - " + text(rest[0], .operand) }
    }
    return " + " + text(u, .operand)
  }

  /// `-f1 * ... * fk` for `(-1) * f1 * ... * fk` when `f1` is neither a number nor a product (the
  /// parser then reads the leading negation into the product).
  private static func negatedProduct(_ fs: [Term]) -> String? {
    guard fs.count >= 2, isMinusOne(fs[0]), !isNumberOrProduct(fs[1]) else { return nil }
    let rest = Array(fs.dropFirst())
    if rest.count == 1 { return "-" + text(rest[0], .operand) }
    return "-" + rest.map { text($0, .factor) }.joined(separator: " * ")
  }

  private static func isMinusOne(_ t: Term) -> Bool {
    if case let .constant(q) = t.node { return q == Rational(-1) }
    return false
  }

  private static func isNumberOrProduct(_ t: Term) -> Bool {
    switch t.node {
    case .constant, .mul: return true
    default: return false
    }
  }

  // MARK: - Guards and binders

  static func constraintText(_ c: Constraint) -> String {
    "\(c.expression) \(c.relation == .equal ? "==" : ">=") 0"
  }

  /// The constraints joined by `and`; `true` or `false` for the trivial guards.
  static func constraintsText(_ g: Guard) -> String {
    if g.isFalse { return "false" }
    if g.constraints.isEmpty { return "true" }
    return g.constraints.map(constraintText).joined(separator: " and ")
  }

  /// `delta(a, b)` for `[a - b == 0]`, otherwise `[constraints]`.
  static func guardText(_ g: Guard) -> String {
    if g.constraints.count == 1, let c = g.constraints.first, c.relation == .equal, c.expression.constant == 0,
      c.expression.terms.count == 2, c.expression.terms[0].coefficient == 1, c.expression.terms[1].coefficient == -1 {
      return "delta(\(c.expression.terms[0].variable.name), \(c.expression.terms[1].variable.name))"
    }
    return "[" + constraintsText(g) + "]"
  }

  /// `i: n, j: m | extra`: a binder prints with its range when the guard holds `i >= 0` and
  /// `size - 1 - i >= 0` with a size free of the binders; the other constraints follow `|`.
  static func binderText(_ binders: [String], _ g: Guard) -> String {
    var rest = g.constraints
    var parts: [String] = []
    for b in binders {
      guard let i = try? Affine.index(b),
        let lower = rest.firstIndex(where: { $0.relation == .nonNegative && $0.expression == i }),
        let upper = rest.firstIndex(where: { $0.relation == .nonNegative && $0.expression.coefficient(of: .index(b)) == -1 }),
        let size = try? rest[upper].expression.plus(i).plus(.constant(1)),
        size.indices.isDisjoint(with: binders)
      else {
        parts.append(b)
        continue
      }
      parts.append("\(b): \(size)")
      rest.remove(at: max(lower, upper))
      rest.remove(at: min(lower, upper))
    }
    if g.isFalse { return parts.joined(separator: ", ") + " | false" }
    if rest.isEmpty { return parts.joined(separator: ", ") }
    return parts.joined(separator: ", ") + " | " + rest.map(constraintText).joined(separator: " and ")
  }

  // MARK: - Formulas

  /// A formula as a user would state it on an `assume` line: as `text(_:)`, except that
  /// `a - b != 0` prints `a != b` (which the parser reads back to the same formula), so the tie
  /// condition of `max(a, b)` reads as the arguments differing.
  static func assumptionText(_ f: Proposition) -> String {
    switch f {
    case let .nonZero(t):
      guard case let .add(ts) = t.node, ts.count == 2, case let s = laterOperand(ts[1]), s.hasPrefix(" - ") else { return text(f) }
      return "\(text(ts[0], .operand)) != \(s.dropFirst(3))"
    case let .forAll(bs, g, body): return "forall \(binderText(bs, g)). \(assumptionText(body))"
    default: return text(f)
    }
  }

  static func text(_ f: Proposition) -> String {
    switch f {
    case let .equal(a, b): return "\(text(a)) = \(text(b))"
    case let .nonZero(t): return "\(text(t)) != 0"
    case let .positive(t): return "\(text(t)) > 0"
    case let .holds(g): return constraintsText(g)
    case let .forAll(bs, g, body): return "forall \(binderText(bs, g)). \(text(body))"
    }
  }
}
