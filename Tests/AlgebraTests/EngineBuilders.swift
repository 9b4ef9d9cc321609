import Exact
import ProofKernel
@testable import Algebra

// Builders for statements in engine tests (independent of the parser).

func ix(_ name: String) -> Affine { try! .index(name) }
func dm(_ name: String) -> Affine { try! .dimension(name) }
func tensor(_ name: String, _ shape: String...) -> TensorSymbol { try! TensorSymbol(name, shape: shape.map(dm)) }
func access(_ t: TensorSymbol, _ idx: String...) -> Term { try! .access(t, idx.map(ix)) }
func total(_ b: String, _ size: String, _ body: Term) -> Term { try! .sum([b], .axis(b, size: dm(size)), body) }
func c(_ p: Int, _ q: Int = 1) -> Term { .constant(Rational(p, q)) }
func dim(_ n: String) -> Term { try! .dimension(n) }
func times(_ ts: Term...) -> Term { .mul(ts) }
func plus(_ ts: Term...) -> Term { .add(ts) }
func minus(_ a: Term, _ b: Term) -> Term { .add([a, .mul([c(-1), b])]) }
func range(_ i: String, _ n: String) -> (name: String, size: Affine) { (i, dm(n)) }

func statement(_ name: String, _ lhs: Term, _ rhs: Term, assume: [Proposition] = [], indices: [(name: String, size: Affine)] = []) -> Statement {
  Statement(name: name, location: Algebra.SourceLocation(file: "test", line: 1, column: 1), lhs: lhs, rhs: rhs, assumptions: assume, indices: indices)
}

/// `vjp(o: O -> y[o], x, dy)[i]`.
func vjp(_ output: Definition, _ x: TensorSymbol, _ dy: TensorSymbol, at: String...) -> Term {
  try! .vjp(.reference(output, output.parameters.map(ix)), binders: output.parameters, shape: output.shape, wrt: x, seed: dy, at: at.map(ix))
}

func grad(_ loss: Term, _ x: TensorSymbol, at: String...) -> Term {
  try! .vjp(loss, binders: [], shape: [], wrt: x, seed: nil, at: at.map(ix))
}
