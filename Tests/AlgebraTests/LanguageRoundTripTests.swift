import Exact
import ProofKernel
import Testing
@testable import Algebra

/// Printing then parsing gives back the same value: terms, formulas, statements, documents.
@Suite("Theorem language: round trips")
struct LanguageRoundTripTests {
  typealias F = LanguageFixtures

  func parsed(_ text: String) -> Term? {
    do { return try F.parse(text) } catch {
      Issue.record("\(text)\n  \(error)")
      return nil
    }
  }

  @Test func generatedTermsRoundTrip() throws {
    var generator = LanguageTermGenerator(seed: 2024)
    for _ in 0..<3000 {
      let t = generator.term(generator.pick(4) + 1, ["i", "j"])
      let text = TheoremLanguage.print(t)
      guard let back = parsed(text) else { return }
      #expect(back == t, "\(text)\n  reads as \(TheoremLanguage.print(back))")
      if back != t { return }
    }
  }

  /// The parser reads the kernel's own printing (`Term.description`) back to the same term.
  @Test func kernelPrintingIsAccepted() throws {
    var generator = LanguageTermGenerator(seed: 99)
    var checked = 0
    for _ in 0..<2000 {
      let t = generator.term(generator.pick(4) + 1, ["i", "j"])
      checked += 1
      guard let back = parsed(t.description) else { return }
      #expect(back == t, "\(t.description)\n  reads as \(back.description)")
      if back != t { return }
    }
    #expect(checked > 1000)
  }

  @Test func nestedFirstOperandKeepsItsParentheses() throws {
    let (a, b, c) = (F.at("x", F.index("i")), F.at("y", F.index("j")), F.at("s"))
    let nested = Term.add([.add([a, b]), c])
    #expect(TheoremLanguage.print(nested) == "(x[i] + y[j]) + s")
    #expect(try F.parse(TheoremLanguage.print(nested)) == nested)
    #expect(nested.description != Term.add([a, b, c]).description)  // the kernel's printing tells them apart too
    #expect(try F.parse(nested.description) == nested)
  }

  @Test func readablePrinting() {
    let (xi, yj) = (F.at("x", F.index("i")), F.at("y", F.index("j")))
    #expect(TheoremLanguage.print(.add([xi, F.negate(yj)])) == "x[i] - y[j]")
    #expect(TheoremLanguage.print(.add([xi, F.q(-3)])) == "x[i] - 3")
    #expect(TheoremLanguage.print(.mul([F.q(-1), xi, yj])) == "-x[i] * y[j]")
    #expect(TheoremLanguage.print(.mul([F.q(1, 2), xi])) == "(1/2) * x[i]")
    #expect(TheoremLanguage.print(.power(xi, Rational(-1, 2))) == "x[i] ^ (-1/2)")
    let ranges = try! F.axis("k", "n").and(F.axis("l", "m"))
    #expect(TheoremLanguage.print(try! .sum(["k", "l"], ranges, F.at("A", F.index("k"), F.index("l")))) == "sum(k: n, l: m) A[k, l]")
    #expect(TheoremLanguage.print(F.at("s")) == "s")
    let k = F.index("k"), l = F.index("l")
    let triangle = try! ranges.and(Guard(nonNegative: [l.plus(k.scaled(by: -1)).plus(.constant(-1))]))
    #expect(TheoremLanguage.print(try! .sum(["k", "l"], triangle, F.at("A", k, l))) == "sum(k: n, l: m | -k + l - 1 >= 0) A[k, l]")
    #expect(TheoremLanguage.print(.mul([F.q(-1), F.q(3)])) == "(-1) * 3")
  }

  @Test func generatedFormulasRoundTrip() throws {
    var generator = LanguageTermGenerator(seed: 5)
    for _ in 0..<1000 {
      let f = generator.formula(generator.pick(3), ["i", "j"])
      let text = TheoremLanguage.print(f)
      let back = try TheoremLanguage.parseFormulas(text, in: F.document, indices: ["i", "j"])
      #expect(back == [f], "\(text)")
      if back != [f] { return }
    }
  }

  @Test func statementsRoundTripInADocument() throws {
    var generator = LanguageTermGenerator(seed: 11)
    var document = F.document
    for k in 0..<200 {
      let indices: [(name: String, size: Affine)] = [("i", F.dimension("n")), ("j", F.dimension("m"))]
      let assumptions = (0..<generator.pick(3)).map { _ in generator.formula(1, ["i", "j"]) }
      document.theorems.append(Statement(
        name: "t\(k)", location: Algebra.SourceLocation(file: "", line: 1, column: 1),
        lhs: generator.term(3, ["i", "j"]), rhs: generator.term(3, ["i", "j"]),
        assumptions: assumptions, indices: indices))
    }
    let text = TheoremLanguage.print(document)
    // Generated terms read any index in any slot (zero extension gives that a meaning), which the
    // shape check, meant for files people write, would refuse.
    let back = try TheoremLanguage.parse(text, file: "printed.thm", checkingShapes: false)
    try LanguageRoundTripTests.expectEqual(back, document)
  }

  @Test func mlpDocumentRoundTrips() throws {
    let document = try TheoremLanguage.parse(LanguageDocumentTests.mlp, file: "mlp.thm")
    let text = TheoremLanguage.print(document)
    let back = try TheoremLanguage.parse(text, file: "printed.thm")
    try LanguageRoundTripTests.expectEqual(back, document)
    #expect(TheoremLanguage.print(back) == text)
  }

  /// A layer's local definitions print in their place, before or after the output line.
  @Test func localDefinitionsRoundTrip() throws {
    let document = try TheoremLanguage.parse(LanguageDocumentTests.normalization, file: "norm.thm")
    let text = TheoremLanguage.print(document)
    let back = try TheoremLanguage.parse(text, file: "printed.thm")
    try LanguageRoundTripTests.expectEqual(back, document)
    #expect(TheoremLanguage.print(back) == text)
  }

  // MARK: - Comparing documents

  static func expectEqual(_ a: Statement, _ b: Statement) {
    #expect(a.name == b.name)
    #expect(a.lhs == b.lhs, "\(a.name): \(TheoremLanguage.print(a.lhs)) vs \(TheoremLanguage.print(b.lhs))")
    #expect(a.rhs == b.rhs, "\(a.name): \(TheoremLanguage.print(a.rhs)) vs \(TheoremLanguage.print(b.rhs))")
    #expect(a.assumptions == b.assumptions, "\(a.name)")
    #expect(a.indices.map(\.name) == b.indices.map(\.name), "\(a.name)")
    #expect(a.indices.map(\.size) == b.indices.map(\.size), "\(a.name)")
  }

  static func expectEqual(_ a: Document, _ b: Document) throws {
    #expect(a.dimensions == b.dimensions)
    #expect(a.constants == b.constants)
    #expect(a.tensors == b.tensors)
    #expect(a.definitions == b.definitions)
    #expect(a.layerDefinitions == b.layerDefinitions)
    try #require(a.theorems.count == b.theorems.count)
    for (s, t) in zip(a.theorems, b.theorems) { expectEqual(s, t) }
    try #require(a.layers.count == b.layers.count)
    for (k, l) in zip(a.layers, b.layers) {
      #expect(k.name == l.name)
      #expect(k.dimensions == l.dimensions)
      #expect(k.inputs == l.inputs)
      #expect(k.parameters == l.parameters)
      #expect(k.output == l.output)
      #expect(k.seed == l.seed)
      #expect(k.assumptions == l.assumptions)
      try #require(k.rules.count == l.rules.count)
      for (s, t) in zip(k.rules, l.rules) { expectEqual(s, t) }
    }
  }
}
