public import ProofKernel

/// A theorem's serialization read back into its parts (a `Theorem` itself only comes from the
/// kernel's rules, so reading gives the parts, never the theorem).
public struct TheoremText: Equatable, Sendable {
  /// The definitions the text lists, in its order (by name).
  public var definitions: [Definition]
  public var hypotheses: [Proposition]
  public var lhs: Term
  public var rhs: Term
}

/// Reading and printing the kernel's S-expressions.
///
/// The kernel prints terms and formulas (`Term.serialized(inlineDefinitions:)`,
/// `Proposition.serialized(inlineDefinitions:)`) and theorems (`Theorem.serialized()`); the readers
/// here invert that printing exactly: `SExpression.term(t.serialized(inlineDefinitions: false),
/// definitions: table) == t`. Every value is built through the kernel's public validating
/// constructors, and a text the kernel would not print back identically is refused, so each value
/// has exactly one accepted text. Affine expressions, guards, tensors and definitions have no
/// printing of their own in the kernel; `text(of:)` prints them as the kernel does inside terms.
///
/// Example: `try SExpression.term("(+ q1 (T x[{0 1*d:n}] [{0 1*i:i}]))")` is `1 + x[i]`.
public enum SExpression {
  // MARK: - Reading

  /// The term printed by `Term.serialized(inlineDefinitions:)`. References printed by name are
  /// resolved in `definitions`; those printed inline define themselves.
  /// - Throws: `CertificateError.expression` with the character offset of what is wrong.
  public static func term(_ text: String, definitions: [String: Definition] = [:]) throws(CertificateError) -> Term {
    try term(text, definitions: definitions, origin: Origin(field: "term", step: nil))
  }

  /// The formula printed by `Proposition.serialized(inlineDefinitions:)`.
  public static func formula(_ text: String, definitions: [String: Definition] = [:]) throws(CertificateError) -> Proposition {
    try formula(text, definitions: definitions, origin: Origin(field: "formula", step: nil))
  }

  /// `{c k1*v1 ...}`, as the kernel prints an index or shape expression.
  public static func affine(_ text: String) throws(CertificateError) -> Affine {
    try affine(text, origin: Origin(field: "affine", step: nil))
  }

  /// `(G (ge a) (eq b) ...)` or `(G false)`, as the kernel prints a guard.
  public static func `guard`(_ text: String) throws(CertificateError) -> Guard {
    var p = SExpressionParser(text, origin: Origin(field: "guard", step: nil), definitions: [:])
    let g = try p.guardCondition()
    try p.end()
    try requireCanonical(text, SExpression.text(of: g), p)
    return g
  }

  /// `name[shape]`, as the kernel prints a tensor.
  public static func tensor(_ text: String) throws(CertificateError) -> TensorSymbol {
    var p = SExpressionParser(text, origin: Origin(field: "tensor", step: nil), definitions: [:])
    let x = try p.tensor()
    try p.end()
    try requireCanonical(text, SExpression.text(of: x), p)
    return x
  }

  /// `(def [params] [shape] body)` named `name`, its body referring by name to `definitions`.
  public static func definition(named name: String, _ text: String, definitions: [String: Definition] = [:]) throws(CertificateError) -> Definition {
    try definition(named: name, text, definitions: definitions, origin: Origin(field: "definition", step: nil))
  }

  /// The parts of a theorem's `Theorem.serialized()` text.
  public static func theorem(_ text: String) throws(CertificateError) -> TheoremText {
    var p = SExpressionParser(text, origin: Origin(field: "theorem", step: nil), definitions: [:])
    let parts = try p.theorem()
    try p.end()
    return parts
  }

  // MARK: - Printing

  /// `{c k1*v1 ...}`: the constant, then each variable's coefficient and `d:`/`i:` name, in the
  /// affine expression's canonical order.
  public static func text(of a: Affine) -> String {
    let parts = a.terms.map { term -> String in
      switch term.variable {
      case let .dimension(n): return "\(term.coefficient)*d:\(n)"
      case let .index(n): return "\(term.coefficient)*i:\(n)"
      }
    }
    return "{\(a.constant) \(parts.joined(separator: " "))}"
  }

  /// `[a1 a2 ...]`.
  public static func text(of affines: [Affine]) -> String { "[" + affines.map { text(of: $0) }.joined(separator: " ") + "]" }

  /// `(G false)`, or `(G c1 ...)` with `(ge a)` for `a >= 0` and `(eq a)` for `a == 0`.
  public static func text(of g: Guard) -> String {
    if g.isFalse { return "(G false)" }
    let parts = g.constraints.map { c in c.relation == .nonNegative ? "(ge \(text(of: c.expression)))" : "(eq \(text(of: c.expression)))" }
    return "(G " + parts.joined(separator: " ") + ")"
  }

  /// `name[shape]`.
  public static func text(of x: TensorSymbol) -> String { x.name + text(of: x.shape) }

  /// `(def [params] [shape] body)`, the body printed with references by name.
  public static func text(of d: Definition) -> String {
    "(def [\(d.parameters.joined(separator: " "))] \(text(of: d.shape)) \(d.body.serialized(inlineDefinitions: false)))"
  }

  // MARK: - With an origin (for certificate fields)

  static func term(_ text: String, definitions: [String: Definition], origin: Origin) throws(CertificateError) -> Term {
    var p = SExpressionParser(text, origin: origin, definitions: definitions)
    let t = try p.term()
    try p.end()
    try requireCanonical(text, t.serialized(inlineDefinitions: p.sawInlineDefinition), p)
    return t
  }

  /// The term of a certificate's field, its groups shared through `memo` with the certificate's
  /// other fields, and a text accepted before taken as it was.
  static func term(_ text: String, memo: TermMemo, origin: Origin) throws(CertificateError) -> Term {
    let bytes = Array(text.utf8)
    let whole = TermMemo.Span(bytes: bytes, start: 0, end: bytes.count)
    if let t = memo.accepted[whole] { return t }
    var p = SExpressionParser(bytes, origin: origin, memo: memo)
    let t = try p.term()
    try p.end()
    try requireCanonical(text, t.serialized(inlineDefinitions: p.sawInlineDefinition), p)
    memo.accepted[whole] = t
    return t
  }

  static func formula(_ text: String, definitions: [String: Definition], origin: Origin) throws(CertificateError) -> Proposition {
    var p = SExpressionParser(text, origin: origin, definitions: definitions)
    let f = try p.formula()
    try p.end()
    try requireCanonical(text, f.serialized(inlineDefinitions: p.sawInlineDefinition), p)
    return f
  }

  static func affine(_ text: String, origin: Origin) throws(CertificateError) -> Affine {
    var p = SExpressionParser(text, origin: origin, definitions: [:])
    let a = try p.affine()
    try p.end()
    try requireCanonical(text, SExpression.text(of: a), p)
    return a
  }

  static func definition(named name: String, _ text: String, definitions: [String: Definition], origin: Origin) throws(CertificateError) -> Definition {
    var p = SExpressionParser(text, origin: origin, definitions: definitions)
    let d = try p.definition(named: name)
    try p.end()
    guard !p.sawInlineDefinition else { throw p.fail("a definition's body refers to other definitions by name", at: 0) }
    try requireCanonical(text, SExpression.text(of: d), p)
    return d
  }

  /// Refuses a text that the kernel would print differently (`(+ q1)`, `{0 1*i:a 1*i:a}`, an
  /// unsorted guard): each value has one accepted text, so a text and its value determine each other.
  static func requireCanonical(_ text: String, _ printed: String, _ p: SExpressionParser) throws(CertificateError) {
    guard text != printed else { return }
    let a = Array(text.utf8), b = Array(printed.utf8)
    var k = 0
    while k < a.count, k < b.count, a[k] == b[k] { k += 1 }
    let end = min(k + 24, b.count)
    let expected = k < b.count ? "\"" + String(decoding: b[k..<end], as: UTF8.self) + "\"" : "the end"
    throw p.fail("not the kernel's printing of what it denotes: the kernel prints \(expected) here", at: k)
  }
}
