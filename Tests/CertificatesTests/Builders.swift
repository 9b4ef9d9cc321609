import Algebra
import Certificates
import Exact
import ProofKernel

// Builders for statements and terms in certificate tests (as in Tests/AlgebraTests/EngineBuilders.swift).

func ix(_ name: String) -> Affine { try! .index(name) }
func dm(_ name: String) -> Affine { try! .dimension(name) }
func tensor(_ name: String, _ shape: String...) -> TensorSymbol { try! TensorSymbol(name, shape: shape.map(dm)) }
func access(_ t: TensorSymbol, _ idx: String...) -> Term { try! .access(t, idx.map(ix)) }
func total(_ b: String, _ size: String, _ body: Term) -> Term { try! .sum([b], .axis(b, size: dm(size)), body) }
func c(_ p: Int, _ q: Int = 1) -> Term { .constant(Rational(p, q)) }
func times(_ ts: Term...) -> Term { .mul(ts) }
func plus(_ ts: Term...) -> Term { .add(ts) }
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

/// The statements the certificate tests prove with the engine, each with the `.thm` file it would
/// come from.
enum Examples {
  /// `grad(sum(i: n) x[i]^2, x)[j] = 2 * x[j]` for `0 <= j < n`.
  static var gradSquare: (Statement, String) {
    let x = tensor("x", "n")
    let loss = total("i", "n", .power(access(x, "i"), Rational(2)))
    return (statement("grad_sq", grad(loss, x, at: "j"), times(c(2), access(x, "j")), indices: [range("j", "n")]), "Theorems/identities.thm")
  }

  /// The dense layer `y[o] = sum(i: I) W[o, i] * x[i] + b[o]` and its three vjp rules.
  static var dense: [(Statement, String)] {
    let W = tensor("W", "O", "I"), b = tensor("b", "O"), x = tensor("x", "I"), dy = tensor("dy", "O")
    let y = try! Definition("y", parameters: ["o"], shape: [dm("O")], body: plus(total("i", "I", times(try! .access(W, [ix("o"), ix("i")]), access(x, "i"))), access(b, "o")))
    return [
      (statement("dense.x", vjp(y, x, dy, at: "i"), total("o", "O", times(try! .access(W, [ix("o"), ix("i")]), access(dy, "o"))), indices: [range("i", "I")]), "Theorems/layers.thm"),
      (statement("dense.W", vjp(y, W, dy, at: "o", "i"), times(access(dy, "o"), access(x, "i")), indices: [range("o", "O"), range("i", "I")]), "Theorems/layers.thm"),
      (statement("dense.b", vjp(y, b, dy, at: "o"), access(dy, "o"), indices: [range("o", "O")]), "Theorems/layers.thm"),
    ]
  }

  /// `vjp(o: n -> relu(x[o]), x, dy)[i] = step(x[i]) * dy[i]` assuming `forall k: n. x[k] != 0`.
  static var relu: (Statement, String) {
    let x = tensor("x", "n"), dy = tensor("dy", "n")
    let lhs = try! Term.vjp(.apply(.relu, access(x, "o")), binders: ["o"], shape: [dm("n")], wrt: x, seed: dy, at: [ix("i")])
    let assumption = try! Proposition.quantified(["k"], .axis("k", size: dm("n")), .nonZero(access(x, "k")))
    return (statement("relu.x", lhs, times(.apply(.step, access(x, "i")), access(dy, "i")), assume: [assumption], indices: [range("i", "n")]), "Theorems/layers.thm")
  }

  static var all: [(Statement, String)] { [gradSquare] + dense + [relu] }
}

/// Proves `statement` with the engine and writes its certificate.
func certify(_ statement: Statement, source: String) throws -> Certificate {
  let outcome = Prover.prove(statement)
  guard let theorem = outcome.theorem else { throw ExampleFailure(reason: "\(statement.name): \(outcome.failure.map(String.init(describing:)) ?? "not proved")") }
  return try Certificate(name: statement.name, source: source, theorem: theorem, steps: outcome.steps)
}

struct ExampleFailure: Error, CustomStringConvertible {
  var reason: String
  var description: String { reason }
}

/// The certificates of `Examples.all`, proved once per test process.
let exampleCertificates: [Certificate] = Examples.all.map { try! certify($0.0, source: $0.1) }
