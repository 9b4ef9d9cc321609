import Exact
import ProofKernel
import Testing
@testable import Algebra

@Suite("Engine")
struct EngineTests {
  let x = tensor("x", "n"), u = tensor("u", "n"), v = tensor("v", "n")

  func expectProved(_ s: Statement, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let outcome = Prover.prove(s)
    #expect(outcome.proved, "\(s.name): \(outcome.failure.map(String.init(describing:)) ?? "")", sourceLocation: sourceLocation)
  }

  @Test func reluSelfAdjoint() {
    let step = Term.apply(.step, access(x, "i"))
    expectProved(statement("relu_self_adjoint",
      total("i", "n", times(step, access(u, "i"), access(v, "i"))),
      total("i", "n", times(access(u, "i"), times(step, access(v, "i"))))))
  }

  @Test func gradientOfSquaredNorm() {
    let loss = total("i", "n", .power(access(x, "i"), Rational(2)))
    expectProved(statement("grad_sq", grad(loss, x, at: "j"), times(c(2), access(x, "j")), indices: [range("j", "n")]))
  }

  @Test func denseLayer() throws {
    let W = tensor("W", "O", "I"), b = tensor("b", "O"), x = tensor("x", "I"), dy = tensor("dy", "O")
    let y = try Definition("y", parameters: ["o"], shape: [dm("O")], body: plus(total("i", "I", times(try .access(W, [ix("o"), ix("i")]), access(x, "i"))), access(b, "o")))
    expectProved(statement("dense.x", vjp(y, x, dy, at: "i"), total("o", "O", times(try .access(W, [ix("o"), ix("i")]), access(dy, "o"))), indices: [range("i", "I")]))
    expectProved(statement("dense.W", vjp(y, W, dy, at: "o", "i"), times(access(dy, "o"), access(x, "i")), indices: [range("o", "O"), range("i", "I")]))
    expectProved(statement("dense.b", vjp(y, b, dy, at: "o"), access(dy, "o"), indices: [range("o", "O")]))
    // A missing transpose is refused.
    let wrong = Prover.prove(statement("dense.x.wrong", vjp(y, x, dy, at: "i"), total("o", "O", times(try .access(W, [ix("i"), ix("o")]), access(dy, "o"))), indices: [range("i", "I")]))
    #expect(!wrong.proved)
  }
}
