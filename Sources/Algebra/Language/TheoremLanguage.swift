public import ProofKernel

/// The theorem language of `.thm` files: reading text into kernel terms and statements, and
/// printing them back as text that reads the same (Docs/TheoremLanguage.md).
///
/// ```swift
/// let document = try TheoremLanguage.parse(text, file: "mlp.thm")
/// let term = try TheoremLanguage.parseTerm("sum(i: n) x[i] * x[i]", in: document)
/// TheoremLanguage.print(term)   // "sum(i: n) x[i] * x[i]"
/// ```
///
/// Printing and parsing are inverse: `parseTerm(print(t), in: d) == t` for every term `t` over the
/// names of `d` (with its free indices passed as `indices`).
public enum TheoremLanguage {
  /// Reads a whole file. With `checkingShapes` (the default), an index whose range is one dimension
  /// used in a slot declared with another (`sum(j: m) W[j, i]` for `W[n, m]`) is an error.
  /// - Throws: `ParseError` with the file, line and column of the offending token.
  public static func parse(_ text: String, file: String, checkingShapes: Bool = true) throws -> Document {
    var reader = try DocumentReader(text, file: file, checkingShapes: checkingShapes)
    return try reader.read()
  }

  /// Reads one term in the scope of a document's file-level declarations, with `indices` as extra
  /// free index names.
  /// - Throws: `ParseError`.
  public static func parseTerm(_ text: String, in document: Document, indices: [String] = [], file: String = "<term>") throws -> Term {
    let source = Source(text, file: file)
    var parser = try Parser(source)
    let elaborator = Elaborator(source: source)
    let e = try parser.expression()
    if parser.peek.kind == .newline { parser.advance() }
    guard parser.peek.kind == .end else { throw parser.expected("the end of the term") }
    return try elaborator.term(e, scope(of: document, indices: indices))
  }

  /// Reads one formula (the text of an `assume` line), as `parseTerm` reads a term. One line may
  /// give several formulas (`a != 0 and b > 0`).
  static func parseFormulas(_ text: String, in document: Document, indices: [String] = [], file: String = "<formula>") throws -> [Proposition] {
    let source = Source(text, file: file)
    var parser = try Parser(source)
    let elaborator = Elaborator(source: source)
    let f = try parser.formula()
    if parser.peek.kind == .newline { parser.advance() }
    guard parser.peek.kind == .end else { throw parser.expected("the end of the formula") }
    return try elaborator.formulas(f, scope(of: document, indices: indices))
  }

  /// The file-level names of a document, and `indices` bound.
  static func scope(of document: Document, indices: [String]) -> Scope {
    var scope = Scope()
    for d in document.dimensions { scope.declare(d, .dimension, at: nil) }
    for c in document.constants { scope.declare(c, .constant, at: nil) }
    for t in document.tensors { scope.declare(t.name, .tensor(t), at: nil) }
    for d in document.definitions { scope.declare(d.name, .definition(d), at: nil) }
    scope.bind(indices)
    return scope
  }
}
