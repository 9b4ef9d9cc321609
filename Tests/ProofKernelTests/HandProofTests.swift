import Exact
import Testing
@testable import ProofKernel

/// Proofs built by hand from kernel rules, for every size `n`.
@Suite("Hand-built proofs")
struct HandProofTests {
  let x = vector("x"), dx = vector("dx"), u = vector("u"), v = vector("v"), dy = vector("dy")

  /// `sum(i: n) step(x[i]) * u[i] * v[i] = sum(i: n) u[i] * (step(x[i]) * v[i])`.
  @Test func reluDerivativeIsSelfAdjoint() throws {
    let lhs = sum("i", d("n"), .mul([step(at(x, i("i"))), at(u, i("i")), at(v, i("i"))]))
    let rhs = sum("i", d("n"), at(u, i("i")) * (step(at(x, i("i"))) * at(v, i("i"))))
    var proof = Derivation()
    let start = try proof.apply(.refl(lhs))
    try proof.apply(.rewrite(start, path: [0], .ring(at(u, i("i")) * (step(at(x, i("i"))) * at(v, i("i"))))))
    #expect(proof.last.lhs == lhs && proof.last.rhs == rhs && proof.last.hypotheses.isEmpty)
  }

  /// `grad(sum(i: n) x[i]^2, x)[j] = 2 * x[j]`, under `0 <= j < n`.
  @Test func gradientOfSquaredNorm() throws {
    let loss = sum("i", d("n"), pow(at(x, i("i")), 2))
    let proof = try gradientOfSquaredNormProof(loss)
    let th = proof.last
    #expect(th.rhs == q(2) * at(x, i("j")))
    #expect(th.lhs == (try Term.vjp(loss, binders: [], shape: [], wrt: x, seed: nil, at: [i("j")])))
    #expect(th.hypotheses == [.holds(axis("j", d("n")))])
    #expect(th.description == "0 <= j and n - 1 - j >= 0 ⊢ grad(sum(i: n) x[i] ^ 2, x)[j] = 2 * x[j]"
      || th.description.contains("grad(sum(i: n) x[i] ^ 2, x)[j] = 2 * x[j]"))
  }

  func gradientOfSquaredNormProof(_ loss: Term) throws -> Derivation {
    var proof = Derivation()
    let start = try proof.apply(.refl(try .derivative(loss, x, along: dx)))
    let derived = try proof.apply(.rewrite(start, path: [], .jvp))
    let paired = try proof.apply(.rewrite(derived, path: [0], .ring(at(dx, i("i")) * (q(2) * at(x, i("i"))))))
    let grad = try proof.apply(.vjpIntro(paired, at: ["j"]))
    try proof.apply(.discharge(grad, stating: [.holds(axis("j", d("n")))]))
    return proof
  }

  /// The VJP of `y[o] = relu(x[o])` is `step(x[i]) * dy[i]`, for all `n`, assuming no kink anywhere.
  @Test func reluVJPNeedsEveryKinkExcluded() throws {
    let proof = try reluVJP()
    let everywhere = try Proposition.quantified(["k"], axis("k", d("n")), .nonZero(at(x, i("k"))))
    let discharged = try Theorem.discharge(proof.last, stating: [everywhere, .holds(axis("i", d("n")))])
    #expect(discharged.rhs == step(at(x, i("i"))) * at(dy, i("i")))
    // Assumed for one index only, or at the free index only: refused.
    for weak in [Proposition.nonZero(at(x, .constant(0))), .nonZero(at(x, i("i")))] {
      #expect(throws: KernelError.self) { try Theorem.discharge(proof.last, stating: [weak, .holds(axis("i", d("n")))]) }
    }
  }

  func reluVJP() throws -> Derivation { try reluVJPDerivation(x: x, dx: dx, dy: dy) }
}
