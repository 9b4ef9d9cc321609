import Testing
@testable import Train

/// The byte scanners that write model statements find what the regular expressions they replace
/// match, on texts drawn from the characters that matter (names, digits, brackets, `:`, spaces).
@Suite("BlockText read scanners")
struct BlockTextReadsTests {
  /// Deterministic texts: every character class next to every other, brackets unbalanced too.
  static func texts(count: Int) -> [String] {
    let alphabet: [String] = "ab_Z1[]], :T(x+".map(String.init) + ["T", "x[", "dy[", ": T", " T", "T_1", "é"]
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    func next() -> Int {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return Int(state % UInt64(alphabet.count))
    }
    return (0..<count).map { k in (0..<(k % 24)).map { _ in alphabet[next()] }.joined() }
  }

  @Test func readsAreTheMatchesOfTheReadPattern() {
    for text in Self.texts(count: 4_000) {
      let expected = text.matches(of: /([A-Za-z_][A-Za-z0-9_]*)\[([^\]]*)\]/).map { "\($0.output.1)|\($0.output.2)|\($0.output.0)" }
      let found = BlockText.reads(in: text).map { "\($0.name)|\($0.contents)|\($0.whole)" }
      #expect(found == expected, "\(text)")
      let replaced = BlockText.replacingReads(in: text) { "<\($0.name)>" }
      #expect(replaced == text.replacing(/([A-Za-z_][A-Za-z0-9_]*)\[([^\]]*)\]/) { "<\($0.output.1)>" }, "\(text)")
    }
  }

  @Test func openingsAreTheMatchesOfTheOpeningPattern() {
    for text in Self.texts(count: 4_000) {
      let expected = text.matches(of: /([A-Za-z_][A-Za-z0-9_]*)\[/).map { "\($0.output.1)@\(text.distance(from: text.startIndex, to: $0.range.upperBound))" }
      let found = BlockText.openings(in: text).map { "\($0.name)@\(text.distance(from: text.startIndex, to: $0.after))" }
      #expect(found == expected, "\(text)")
    }
  }

  @Test func bindersAreTheMatchesOfTheBinderPattern() throws {
    // Simple word boundaries: the pattern the writer used had Unicode's default ones, under which
    // a colon between letters (`T:d`) joins one word; a binder in a statement is followed by `,`,
    // `)`, ` ` or `|`, where the two agree.
    let binder = try Regex("([A-Za-z_][A-Za-z0-9_]*): T\\b", as: (Substring, Substring).self).wordBoundaryKind(.simple)
    var matched = 0
    // ASCII only: `\b` takes a non-ASCII letter for a name character, the scanner does not, and
    // the theorem language's lexer refuses such a character either way.
    for text in Self.texts(count: 4_000) where text.allSatisfy(\.isASCII) {
      let expected = text.replacing(binder) { "<\($0.output.1)>" }
      #expect(BlockText.replacingBinders(in: text, over: "T") { "<\($0)>" } == expected, "\(text)")
      if expected != text { matched += 1 }
    }
    // The texts exercise the pattern, not only its absence.
    #expect(matched > 100)
  }

  @Test func statementTextsAreUnchanged() {
    // The shapes the writer meets: nested reads, a read inside a read's index, a binder list.
    #expect(BlockText.replacingReads(in: "sum(i: T) a[b[i], c] * dy[i]") { "<\($0.whole)>" } == "sum(i: T) <a[b[i]>, c] * <dy[i]>")
    #expect(BlockText.replacingBinders(in: "sum(t: T, u: T_1) x[t, u]", over: "T") { "\($0)0: T0" } == "sum(t0: T0, u: T_1) x[t, u]")
    #expect(BlockText.openings(in: "a[b[c]]").map(\.name) == ["a", "b"])
  }
}
