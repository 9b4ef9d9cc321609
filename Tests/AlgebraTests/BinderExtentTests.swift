import Algebra
import Testing

/// A sum's body cannot be misread: after '/', a sum whose body is a product must be parenthesized.
@Suite("Binder extent")
struct BinderExtentTests {
  @Test func aSumAfterADivisionWithAProductBodyIsRefused() {
    let text = "dim n\ntensor a[n], b[n], c[n]\ntheorem t: a[0] / sum(l: n) b[l] * c[l] = a[0]\n"
    do {
      _ = try TheoremLanguage.parse(text, file: "div.thm")
      Issue.record("parsed")
    } catch {
      #expect("\(error)".hasPrefix("div.thm:3:19: a sum after '/' takes the whole product after it as its body"), "\(error)")
    }
  }

  @Test func theUnambiguousFormsParse() throws {
    for body in ["a[0] / (sum(l: n) b[l]) * c[0]", "a[0] / sum(l: n) (b[l] * c[l])", "a[0] / sum(l: n) b[l]",
                 "sum(l: n) b[l] * c[l]", "2 * sum(l: n) b[l] * c[l]"] {
      #expect(throws: Never.self) { try TheoremLanguage.parse("dim n\ntensor a[n], b[n], c[n]\ntheorem t: \(body) = 0\n", file: "ok.thm") }
    }
  }
}
