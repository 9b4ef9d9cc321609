// The tokens of the theorem language and the lexer that produces them.

internal import Exact

/// A token with its place in the source.
struct Token: Sendable {
  enum Kind: Hashable, Sendable {
    case identifier, number, symbol
    /// The end of a logical line: a line break outside brackets, or `;`.
    case newline
    case end
  }

  let kind: Kind
  let text: String
  let line: Int
  let column: Int
  /// Offsets (in Unicode scalars) of the token's first scalar and one past its last.
  let start: Int
  let end: Int
  /// True when the physical line the token is on starts with white space.
  let indented: Bool

  func isSymbol(_ s: String) -> Bool { kind == .symbol && text == s }
  func isWord(_ w: String) -> Bool { kind == .identifier && text == w }

  /// How an error message names the token: `','`, `'relu'`, `end of line`, `end of file`.
  var quoted: String {
    switch kind {
    case .newline: return text == ";" ? "';'" : "end of line"
    case .end: return "end of file"
    default: return "'\(MessageText.cut(text))'"  // a name can be any length: messages cut it
    }
  }
}

/// The source text as Unicode scalars, with the file name errors report.
final class Source: Sendable {
  let file: String
  let scalars: [Unicode.Scalar]
  /// The text's bytes when it is all ASCII (one byte a scalar, the usual case): a token's text is
  /// then made from its bytes at once, not scalar by scalar (a model statement has ~10^5 tokens).
  private let ascii: [UInt8]?

  init(_ text: String, file: String) {
    self.file = file
    self.scalars = Array(text.unicodeScalars)
    let bytes = Array(text.utf8)
    ascii = bytes.count == scalars.count ? bytes : nil
  }

  /// The source text between two offsets.
  func text(_ start: Int, _ end: Int) -> String {
    let range = max(0, start)..<min(scalars.count, max(start, end))
    if let ascii { return String(decoding: ascii[range], as: UTF8.self) }
    var s = String.UnicodeScalarView()
    s.append(contentsOf: scalars[range])
    return String(s)
  }

  func location(_ t: Token) -> SourceLocation { SourceLocation(file: file, line: t.line, column: t.column) }
}

/// Splits a source into tokens.
///
/// - `#` starts a comment to the end of the line.
/// - Identifiers: an ASCII letter or `_`, then letters, digits, `_` or `'` (the kernel's primes);
///   at most `maximumNameLength` characters.
/// - Numbers: digits with an optional decimal part (`12`, `0.25`); no sign, no exponent.
/// - Symbols: `( ) [ ] , : ; . | + - * / ^ = == != < <= > >= -> :=`.
/// - A line break is a `newline` token, except inside `( )` or `[ ]` (unless the next line starts
///   at column 1 with a name: a new declaration after a bracket left open), or when the next line starts
///   with a binary operator (`+ - * / ^ = == != < <= > >=`): then the logical line continues.
///   `;` also ends a logical line.
enum Lexer {
  /// The words that start a theorem's or a layer's own lines.
  static let blockLineKeywords: Set<String> = ["assume", "input", "param", "output", "vjp"]
  static let twoCharacterSymbols: Set<String> = ["<=", ">=", "==", "!=", "->", ":="]
  static let oneCharacterSymbols: Set<Unicode.Scalar> = ["(", ")", "[", "]", ",", ":", ".", "|", "+", "-", "*", "/", "^", "=", "<", ">"]
  /// The longest name, in characters (a certificate `NAME.json` must fit a file name).
  static let maximumNameLength = 200
  static let continuing: Set<String> = ["+", "-", "*", "/", "^", "=", "==", "!=", "<", "<=", ">", ">="]

  static func tokens(_ source: Source) throws -> [Token] {
    let s = source.scalars
    var out: [Token] = []
    var k = 0, line = 1, lineStart = 0, depth = 0
    var indented = false, atLineStart = true
    // After `;`, a block line (`input`, `assume`, ...) continues the theorem or layer before it, as
    // it would on an indented line of its own: `layer f(n); input x[n]; output y[i: n] = x[i]`.
    var afterSemicolon = false

    // ASCII letters (the ASCII scalars that are alphabetic) and `_`.
    func isLetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
    func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
    func make(_ kind: Token.Kind, _ start: Int, _ end: Int, text: String? = nil) -> Token {
      Token(kind: kind, text: text ?? source.text(start, end), line: line, column: start - lineStart + 1,
            start: start, end: end, indented: indented)
    }
    func newline(_ at: Int, _ text: String) {
      if let last = out.last, last.kind != .newline { out.append(make(.newline, at, at, text: text)) }
    }

    while k < s.count {
      let c = s[k]
      if c == "\n" {
        // Inside brackets a line break continues the line, unless the next line starts a new
        // declaration at column 1: then a bracket was left open, and the error belongs here.
        if depth > 0, k + 1 < s.count, isLetter(s[k + 1]) { depth = 0 }
        if depth == 0 { newline(k, "\n") }
        k += 1; line += 1; lineStart = k; atLineStart = true; indented = false
        continue
      }
      if c == " " || c == "\t" || c == "\r" {
        if atLineStart { indented = true }
        k += 1
        continue
      }
      if c == "#" {
        while k < s.count, s[k] != "\n" { k += 1 }
        continue
      }
      atLineStart = false
      let start = k
      let continuesBlock = afterSemicolon
      afterSemicolon = false
      if isLetter(c) {
        k += 1
        while k < s.count, isLetter(s[k]) || isDigit(s[k]) || s[k] == "'" { k += 1 }
        // Names are quoted in messages and become certificate file names: a longer one is a mistake.
        guard k - start <= maximumNameLength else {
          throw ParseError(
            "a name of \(k - start) characters ('\(MessageText.cut(source.text(start, k)))'); names have at most \(maximumNameLength)",
            at: SourceLocation(file: source.file, line: line, column: start - lineStart + 1))
        }
        if continuesBlock, blockLineKeywords.contains(source.text(start, k)) { indented = true }
        out.append(make(.identifier, start, k))
      } else if isDigit(c) {
        while k < s.count, isDigit(s[k]) { k += 1 }
        if k + 1 < s.count, s[k] == ".", isDigit(s[k + 1]) {
          k += 1
          while k < s.count, isDigit(s[k]) { k += 1 }
        }
        out.append(make(.number, start, k))
      } else if c == ";" {
        newline(k, ";")
        afterSemicolon = true
        k += 1
      } else if k + 1 < s.count, "<>=!-:".unicodeScalars.contains(c), twoCharacterSymbols.contains(source.text(k, k + 2)) {
        k += 2
        out.append(make(.symbol, start, k))
      } else if oneCharacterSymbols.contains(c) {
        k += 1
        if c == "(" || c == "[" { depth += 1 }
        if c == ")" || c == "]" { depth = max(0, depth - 1) }
        out.append(make(.symbol, start, k))
      } else {
        let shown = c.isASCII && c.value >= 32 && c.value < 127 ? "'\(c)'" : "U+\(String(c.value, radix: 16, uppercase: true))"
        throw ParseError("unexpected character \(shown)", at: SourceLocation(file: source.file, line: line, column: k - lineStart + 1))
      }
      // A line that starts with a binary operator continues the previous one.
      if out.count >= 2, out[out.count - 2].kind == .newline, out[out.count - 2].text == "\n",
        out[out.count - 1].kind == .symbol, continuing.contains(out[out.count - 1].text) {
        out.remove(at: out.count - 2)
      }
    }
    newline(k, "\n")
    out.append(make(.end, k, k, text: ""))
    if out.first?.kind == .newline { out.removeFirst() }
    return out
  }
}
