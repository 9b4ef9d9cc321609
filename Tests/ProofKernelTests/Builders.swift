import Exact
@testable import ProofKernel

// Short builders for terms in tests: `i("j")` is the index j, `n` the dimension n, and so on.

func i(_ name: String) -> Affine { try! .index(name) }
func d(_ name: String) -> Affine { try! .dimension(name) }
func axis(_ index: String, _ size: Affine) -> Guard { try! .axis(index, size: size) }
func vector(_ name: String, _ size: String = "n") -> TensorSymbol { try! TensorSymbol(name, shape: [d(size)]) }
func at(_ t: TensorSymbol, _ idx: Affine...) -> Term { try! .access(t, idx) }
func sum(_ b: String, _ size: Affine, _ body: Term) -> Term { try! .sum([b], axis(b, size), body) }
func q(_ p: Int, _ r: Int = 1) -> Term { .constant(Rational(p, r)) }
func * (a: Term, b: Term) -> Term { .mul([a, b]) }
func + (a: Term, b: Term) -> Term { .add([a, b]) }
func pow(_ a: Term, _ p: Int, _ r: Int = 1) -> Term { .power(a, Rational(p, r)) }
func step(_ a: Term) -> Term { .apply(.step, a) }
func relu(_ a: Term) -> Term { .apply(.relu, a) }

/// `a + c`.
func plus(_ a: Affine, _ c: Int) -> Affine { try! a.plus(.constant(c)) }
func minus(_ a: Affine, _ b: Affine) -> Affine { try! a.plus(b.scaled(by: -1)) }

extension Derivation {
  /// The last theorem.
  var last: Theorem { theorems[theorems.count - 1] }
}

/// `vjp(o: n -> relu(x[o]), x, dy)[i] = step(x[i]) * dy[i]` by hand, before its hypotheses are
/// discharged (they are `forall o: n. x[o] != 0` and the range of `i`).
func reluVJPDerivation(x: TensorSymbol = vector("x"), dx: TensorSymbol = vector("dx"), dy: TensorSymbol = vector("dy")) throws -> Derivation {
  let o = i("o")
  let lhs = try Term.sum(["o"], axis("o", d("n")), at(dy, o) * .derivative(relu(at(x, o)), x, along: dx))
  var proof = Derivation()
  let start = try proof.apply(.refl(lhs))
  let derived = try proof.apply(.rewrite(start, path: [0, 1], .jvp))
  let paired = try proof.apply(.rewrite(derived, path: [0], .ring(at(dx, o) * (step(at(x, o)) * at(dy, o)))))
  try proof.apply(.vjpIntro(paired, at: ["i"]))
  return proof
}

extension Term {
  /// `alphaKey` with each definition printed as its number, not its body, and the indices in
  /// `bound` (bound outside the term) by position: the text the `ring` rule's atom keys and
  /// `isAlphaEquivalent`'s first look printed until session 22, now the tests' reference for the
  /// structural `AtomTable` numbers (equal numbers exactly for equal texts).
  func numberedKey(bound: [String] = []) -> String {
    var p = Printer(deBruijn: true, inlineDefinitions: true)
    p.definitionName = { "\($0.number)" }
    p.bound = bound
    p.write(self)
    return p.out
  }
}
