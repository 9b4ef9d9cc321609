import Exact
import ProofKernel
@testable import Algebra

/// A small document and short builders for the theorem-language tests (kept in a namespace so as
/// not to clash with the engine tests' builders).
enum LanguageFixtures {
  static let header = """
    dim n, m
    const eps
    tensor x[n], y[m], A[n, m], s, dx[n], dy[m]
    def f[p: n] = x[p] * 2
    def g = sum(p: n) x[p]

    """

  static let document: Document = try! TheoremLanguage.parse(header, file: "small.thm")

  static func tensor(_ name: String) -> TensorSymbol { document.tensors.first { $0.name == name }! }
  static func definition(_ name: String) -> Definition { document.definitions.first { $0.name == name }! }

  static func index(_ name: String) -> Affine { try! .index(name) }
  static func dimension(_ name: String) -> Affine { try! .dimension(name) }
  static func affine(_ constant: Int = 0, _ terms: [(Variable, Int)]) -> Affine { try! Affine(constant: constant, terms) }
  static func q(_ p: Int, _ r: Int = 1) -> Term { .constant(Rational(p, r)) }
  static func at(_ t: String, _ idx: Affine...) -> Term { try! .access(tensor(t), idx) }
  static func axis(_ i: String, _ n: String) -> Guard { try! .axis(i, size: dimension(n)) }
  static func sum(_ i: String, _ n: String, _ body: Term) -> Term { try! .sum([i], axis(i, n), body) }
  static func negate(_ t: Term) -> Term { .mul([q(-1), t]) }

  /// Parses a term in the small document, with free indices `i` and `j`.
  static func parse(_ text: String, indices: [String] = ["i", "j"]) throws -> Term {
    try TheoremLanguage.parseTerm(text, in: document, indices: indices)
  }

  /// The message of the `ParseError` parsing `text` throws, or nil.
  static func failure(_ text: String, file: String = "model.thm") -> String? {
    do {
      _ = try TheoremLanguage.parse(text, file: file)
      return nil
    } catch let e as ParseError {
      return e.description
    } catch {
      return "not a ParseError: \(error)"
    }
  }
}
