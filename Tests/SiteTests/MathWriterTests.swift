import Algebra
import ProofKernel
import Testing
@testable import Site

// Terms of the theorem language as MathML: the notation, and the highlighted position.
@Suite struct MathWriterTests {
  static let document = try! TheoremLanguage.parse("""
    dim n, m
    tensor W[m, n], x[n], z[n], t[n]
    def y[o: m] = sum(i: n) W[o, i] * x[i]
    """, file: "<test>")

  func term(_ text: String, indices: [String] = []) throws -> Term {
    try TheoremLanguage.parseTerm(text, in: Self.document, indices: indices)
  }

  @Test func aSumOverARangeIsASigmaFromZeroToTheSizeMinusOne() throws {
    let math = MathWriter().term(try term("sum(i: n) W[o, i] * x[i]", indices: ["o"]))
    #expect(math.contains("<munderover><mo>&#x2211;</mo><mrow><mi>i</mi><mo>=</mo><mn>0</mn></mrow><mrow><mi>n</mi><mo>&#x2212;</mo><mn>1</mn></mrow></munderover>"))
    #expect(math.contains("<msub><mi>W</mi><mrow><mi>o</mi><mo separator=\"true\">,</mo><mi>i</mi></mrow></msub>"))
  }

  @Test func negativePowersAreFractionsAndAHalfIsARoot() throws {
    let quotient = MathWriter().term(try term("exp(z[i]) / sum(j: n) exp(z[j])", indices: ["i"]))
    #expect(quotient.hasPrefix("<mfrac>"))
    let root = MathWriter().term(try term("(x[i] ^ 2 + 1) ^ (1/2)", indices: ["i"]))
    #expect(root.hasPrefix("<msqrt>"))
    // The twin: a positive integer power is a superscript, not a fraction.
    let square = MathWriter().term(try term("x[i] ^ 2", indices: ["i"]))
    #expect(square.hasPrefix("<msup>") && !square.contains("mfrac"))
  }

  @Test func aDifferenceIsWrittenWithAMinusSign() throws {
    let math = MathWriter().term(try term("x[i] - t[i]", indices: ["i"]))
    #expect(math.contains("<mo>&#x2212;</mo>") && !math.contains("<mo>+</mo>"))
  }

  @Test func theFocusWrapsExactlyTheSubtermAtThePath() throws {
    let t = try term("W[o, i] * x[i] + t[i]", indices: ["o", "i"])
    guard case let .add(operands) = t.node else { Issue.record("not a sum"); return }
    var writer = MathWriter()
    writer.focus = [1]
    let math = writer.term(t)
    #expect(math.components(separatedBy: "class=\"focus\"").count == 2)
    #expect(math.contains("<mrow class=\"focus\">\(MathWriter().term(operands[1], path: [1], precedence: 1))</mrow>"))
    // The twin: without a focus, nothing is highlighted; a path that is not there highlights nothing.
    #expect(!MathWriter().term(t).contains("focus"))
    writer.focus = [5, 0]
    #expect(!writer.term(t).contains("focus"))
  }

  @Test func namesAndNumbersAreEscaped() throws {
    #expect(Math.identifier("a<b") == "<mi>a&lt;b</mi>")
    #expect(MathWriter.block("<mi>x</mi>", alt: "x < \"y\"").contains("alttext=\"x &lt; &quot;y&quot;\""))
  }

  @Test func aGuardIsWrittenWithRangesAndInequalities() throws {
    let g = try Guard(nonNegative: [try Affine.index("i"), try Affine([(.dimension("n"), 1), (.index("i"), -1)]).plus(.constant(-1)),
                                   try Affine([(.index("i"), 2), (.index("j"), -1)])])
    let parts = MathWriter().conditions(g)
    #expect(parts.count == 2)
    #expect(parts.contains("<mrow><mn>0</mn><mo>&#x2264;</mo><mi>i</mi><mo>&lt;</mo><mi>n</mi></mrow>"))
    #expect(parts.contains { $0.contains("&#x2265;") && $0.contains("<mi>j</mi>") })
  }
}
