import Evaluation
import Exact
import ProofKernel
import Testing
@testable import Algebra

/// Bad input gives a `ParseError` at the offending token with a message naming the problem, and no
/// input crashes the parser.
@Suite("Theorem language: errors")
struct LanguageErrorTests {
  typealias F = LanguageFixtures
  static let header = "dim n, m\ntensor x[n], W[n, m]\n"

  func failure(_ body: String) -> String? { F.failure(LanguageErrorTests.header + body) }

  @Test func unknownName() {
    #expect(failure("theorem t[i: n]: x[i] * q = x[i]") == "model.thm:3:25: unknown name 'q'")
  }

  @Test func wrongRank() {
    #expect(failure("theorem t[i: n]: W[i] = x[i]") == "model.thm:3:18: tensor 'W' has rank 2 but is given 1 index")
    #expect(failure("theorem t: x = 1") == "model.thm:3:12: tensor 'x' has rank 1 but is given 0 indices")
  }

  @Test func nonAffineIndex() {
    #expect(failure("theorem t[i: n, j: m]: W[i, i * j] = 0") == "model.thm:3:29: index expression must be affine: i * j")
    #expect(failure("theorem t[i: n]: x[i / 2] = 0") == "model.thm:3:20: index expression must be affine: i / 2")
    #expect(failure("theorem t[i: n]: x[x[i]] = 0") == "model.thm:3:20: index expression must be affine: x[i]")
  }

  @Test func missingBracket() {
    #expect(failure("def f[p: n = x[p]") == "model.thm:3:12: expected ']' but found '='")
    #expect(failure("theorem t[i: n]: D(x[i])[x := x, W] = 0") == "model.thm:3:32: expected ']' but found ','")
  }

  /// A bracket left open at the end of a line continues the logical line, so the next token is
  /// on the next line; the error is where the bracket belongs, at the end of the line before.
  @Test func aMissingBracketIsReportedAtTheEndOfItsLine() {
    #expect(failure("theorem t[j: n]: x[j] = 2 * x[j\n  assume forall k: n. x[k] != 0")
      == "model.thm:3:32: expected ']' but found 'assume' on line 4")
    #expect(failure("def y[i: n] = (x[i] + 1\n\ntheorem u: x[0] = x[0]") == "model.thm:3:24: expected ')' but found end of line")
    // On the same line, the error stays at the token found.
    #expect(failure("theorem t[j: n]: x[j] = 2 * * x[j]") == "model.thm:3:29: expected an expression but found '*'")
  }

  @Test func longTokensAreCutInMessages() throws {
    let name = String(repeating: "q", count: 50_000)
    let message = try #require(failure("def f[p: n] = x[p] * \(name)"))
    #expect(message.count < 200)
    #expect(message.hasPrefix("model.thm:3:22: a name of 50000 characters ('qqq"))
    #expect(message.hasSuffix("… (50000 bytes)'); names have at most 200"))
    let longest = String(repeating: "q", count: 200)
    // A name at the limit is read (and then unknown): messages quoting names stay bounded.
    #expect(failure("def f[p: n] = x[p] * \(longest)") == "model.thm:3:22: unknown name '\(longest)'")
  }

  @Test func freeIndexWithoutRange() {
    #expect(failure("theorem shifted: x[j] * 1 = x[j]")
      == "model.thm:3:20: free index 'j' needs a range: declare it as theorem shifted[j: SIZE]")
    #expect(failure("theorem t: x[0] = 0\n  assume x[k] > 0") == "model.thm:4:12: free index 'k' needs a range: declare it as theorem t[k: SIZE]")
  }

  @Test func duplicateDeclarations() {
    #expect(failure("dim n") == "model.thm:3:5: duplicate declaration of 'n' (first declared at model.thm:1:5)")
    #expect(failure("const pi") == "model.thm:3:7: duplicate declaration of 'pi' (a predefined constant)")
    #expect(failure("tensor y[n], y[m]") == "model.thm:3:14: duplicate declaration of 'y' (first declared at model.thm:3:8)")
    #expect(failure("theorem t: 1 = 1\ntheorem t: 2 = 2") == "model.thm:4:9: duplicate theorem name 't' (first used at model.thm:3:9)")
  }

  @Test func strayTokens() {
    #expect(failure("dim k )") == "model.thm:3:7: expected end of line but found ')'")
    #expect(failure("theorem t[i: n]: x[i] = x[i] x[i]") == "model.thm:3:30: expected end of line but found 'x'")
    #expect(failure("theorem t: 1 = 1 @") == "model.thm:3:18: unexpected character '@'")
    #expect(failure("  assume 1 = 1") == "model.thm:3:3: 'assume' must follow a theorem or layer header")
    #expect(failure("tensor y[n]]") == "model.thm:3:12: expected end of line but found ']'")
  }

  /// An index used in a slot of another dimension is an error at the index; affine slots (padding,
  /// strides) and matching ones are not.
  @Test func indicesAreCheckedAgainstShapes() throws {
    #expect(failure("def f = sum(i: n, j: m) W[j, i]") == "model.thm:3:27: the index 'j' ranges over m, but slot 1 of tensor 'W' has size n")
    #expect(failure("theorem t[i: m]: x[i] = 0") == "model.thm:3:20: the index 'i' ranges over m, but slot 1 of tensor 'x' has size n")
    #expect(failure("def g[i: n] = x[i]\ndef h = sum(j: m) g[j]") == "model.thm:4:21: the index 'j' ranges over m, but slot 1 of definition 'g' has size n")
    #expect(failure("layer l(k)\n  input z[k]\n  param b[m]\n  output y[i: k] = z[i] * b[i]") == "model.thm:6:29: the index 'i' ranges over k, but slot 1 of tensor 'b' has size m")
    #expect(failure("def f = sum(i: n, j: m) W[i, j] + sum(p: m, u: n) x[p + u - 1] + sum(i: n) x[n - 1 - i]") == nil)
    let text = LanguageErrorTests.header + "def f = sum(i: n, j: m) W[j, i]\n"
    #expect(throws: Never.self) { try TheoremLanguage.parse(text, file: "unchecked.thm", checkingShapes: false) }
  }

  @Test func otherErrors() {
    #expect(failure("def f = sum(k) x[k]") == "model.thm:3:9: sum: the guard true does not bound every index of [\"k\"]")
    #expect(failure("def f[n: m] = 1") == "model.thm:3:7: the index 'n' would shadow the dimension 'n'")
    #expect(failure("theorem t[i: n]: x[i] / 0 = 0") == "model.thm:3:25: division by zero")
    #expect(failure("theorem t[i: n]: x[i] ^ n = 0") == "model.thm:3:25: expected an exponent (a number or a parenthesized rational) but found 'n'")
    #expect(failure("theorem t[i: n]: x[i] ^ (n) = 0") == "model.thm:3:25: an exponent must be a rational number, found '(n)'")
    #expect(failure("theorem t[i: n]: foo(x[i]) = 0") == "model.thm:3:18: unknown function 'foo'")
    #expect(failure("theorem t[i: n]: max(x[i]) = 0") == "model.thm:3:26: expected ',' but found ')'")
    #expect(failure("theorem t[i: n]: abs(x[i], x[i]) = 0") == "model.thm:3:26: expected ')' but found ','")
    #expect(failure("dim max") == "model.thm:3:5: 'max' is reserved and cannot be declared")
    #expect(failure("theorem t[i: n]: min = 0") == "model.thm:3:18: 'min' is reserved: write min(...)")
    #expect(failure("tensor z[i]") == "model.thm:3:10: unknown name 'i'")
    #expect(failure("layer l(k)\n  input z[k]\n  vjp z[i] = 1") == "model.thm:5:3: a vjp line must come after the output line")
    #expect(failure("layer l(k)\n  input z[k]\n  output q = z[0]\n  vjp W[i, j] = 1") == "model.thm:6:7: 'W' is not an input or param of layer 'l'")
    #expect(failure("layer l(k)\n  input z[k]") == "model.thm:3:1: layer 'l' has no output line")
    let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
    #expect(failure("theorem t: \(deep) = 1") == "model.thm:3:112: expression nested too deeply")
  }

  @Test func termErrorsNameTheirFile() {
    #expect(throws: ParseError("unknown name 'q'", at: Algebra.SourceLocation(file: "<term>", line: 1, column: 8))) {
      try TheoremLanguage.parseTerm("x[i] + q", in: F.document, indices: ["i"])
    }
    #expect(throws: ParseError("expected the end of the term but found ')'", at: Algebra.SourceLocation(file: "<term>", line: 1, column: 5))) {
      try TheoremLanguage.parseTerm("x[i])", in: F.document, indices: ["i"])
    }
  }

  // MARK: - Fuzzing

  /// Parses `text`; anything but success or a `ParseError` is a failure (a crash ends the run).
  func survives(_ text: String) -> Bool {
    do {
      _ = try TheoremLanguage.parse(text, file: "fuzz.thm")
      return true
    } catch is ParseError {
      return true
    } catch {
      Issue.record("not a ParseError for \(text.debugDescription): \(error)")
      return false
    }
  }

  @Test func randomBytesGiveParseErrors() {
    var rng = SplitMix64(seed: 17)
    let alphabet = Array("dim const tensor def theorem layer input param output vjp assume forall sum grad D delta relu sqrt"
      .split(separator: " ").map(String.init)) + ["x", "n", "i", "[", "]", "(", ")", ",", ":", ".", "|", "+", "-", "*", "/", "^",
      "=", "<", ">=", "!=", "->", ":=", "0", "1", "2.5", "\n", "\n  ", ";", " ", "#"]
    for k in 0..<3000 {
      let length = Int(rng.next() % 60)
      let text: String
      if k % 2 == 0 {
        text = String(decoding: (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, as: UTF8.self)
      } else {
        text = LanguageErrorTests.header + (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined(separator: " ")
      }
      if !survives(text) { return }
    }
  }

  @Test func truncationsAndEditsOfAValidFile() {
    let scalars = Array(LanguageDocumentTests.mlp.unicodeScalars)
    func text(_ s: ArraySlice<Unicode.Scalar>) -> String { var v = String.UnicodeScalarView(); v.append(contentsOf: s); return String(v) }
    for end in stride(from: 0, through: scalars.count, by: 5) where !survives(text(scalars[..<end])) { return }
    var rng = SplitMix64(seed: 3)
    for _ in 0..<300 {
      var edited = scalars
      let k = Int(rng.next() % UInt64(edited.count))
      switch rng.next() % 3 {
      case 0: edited.remove(at: k)
      case 1: edited.insert(Array("[](),:=^-*0 ".unicodeScalars)[Int(rng.next() % 12)], at: k)
      default: edited.swapAt(k, Int(rng.next() % UInt64(edited.count)))
      }
      if !survives(text(edited[...])) { return }
    }
  }

  @Test func hugeNumbersInIndicesAreErrorsNotTraps() {
    #expect(failure("theorem t[i: n]: x[99999999999999999999 * i] = 0") == "model.thm:3:20: index expression must be affine: 99999999999999999999 * i")
    #expect(failure("theorem t[i: n]: x[4611686018427387903 * i + 4611686018427387903 * i] = 0")
      == "model.thm:3:20: index arithmetic out of range: 4611686018427387903 * i + 4611686018427387903 * i")
    #expect(failure("theorem t[i: n]: [-i - 4611686018427387903 - 4611686018427387903 - 2 == 0] = 0") != nil)
  }
}
