import Exact
import Testing
@testable import ProofKernel
import TermPrinting

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

/// A side condition met under a sum pinned to an outer index, then under the outer sum, comes back
/// as a nested `forall` (`cong` and `jvp` quantify once per sum): `discharge` covers it by a stated
/// `forall` over the inner binders when the inner guard, without the outer index's constraints,
/// implies the stated one (`certify-rules-6`), and refuses it otherwise.
@Suite("Nested foralls in discharge")
struct NestedForallDischargeTests {
  let x = vector("x"), dx = vector("dx")

  /// `D sum(i: n) sum(j | pinned) relu(x[j]) [x := dx]`, whose one hypothesis is nested.
  func derivative(pinned: Guard) throws -> Theorem {
    let t = sum("i", d("n"), try .sum(["j"], pinned, relu(at(x, i("j")))))
    var proof = Derivation()
    let start = try proof.apply(.refl(try .derivative(t, x, along: dx)))
    try proof.apply(.rewrite(start, path: [], .jvp))
    let th = proof.last
    #expect(th.hypotheses.count == 1)
    guard case .forAll(["i"], _, .forAll(["j"], _, .nonZero)) = th.hypotheses[0] else {
      Issue.record("not a nested forall: \(th.hypotheses)")
      return th
    }
    return th
  }

  let everywhere = try! Proposition.quantified(["k"], axis("k", d("n")), .nonZero(at(vector("x"), i("k"))))

  @Test func aConditionUnderAPinnedSumIsCoveredByTheStatedOne() throws {
    // j == i + 1 within 0 <= j < n: x[j] != 0 for j in 1 ..< n, which every k in 0 ..< n covers.
    let pinned = try axis("j", d("n")).and(Guard(equal: [minus(i("j"), plus(i("i"), 1))]))
    let th = try derivative(pinned: pinned)
    let discharged = try Theorem.discharge(th, stating: [everywhere])
    #expect(discharged.hypotheses == [everywhere])
  }

  @Test func aNestedConditionWhoseGuardDoesNotImplyTheStatedOneIsRefused() throws {
    let pinned = try axis("j", d("n")).and(Guard(equal: [minus(i("j"), plus(i("i"), 1))]))
    let th = try derivative(pinned: pinned)
    // Stated for 0 <= k < n - 1 only: the inner guard 0 <= j < n does not imply it.
    let fewer = try Proposition.quantified(["k"], Guard.range("k", from: .constant(0), through: plus(d("n"), -2)), .nonZero(at(x, i("k"))))
    #expect(throws: KernelError.self) { try Theorem.discharge(th, stating: [fewer]) }
    // Stated at one point, or for another tensor: refused.
    #expect(throws: KernelError.self) { try Theorem.discharge(th, stating: [.nonZero(at(x, i("i")))]) }
    let other = try Proposition.quantified(["k"], axis("k", d("n")), .nonZero(at(vector("z"), i("k"))))
    #expect(throws: KernelError.self) { try Theorem.discharge(th, stating: [other]) }
  }

  @Test func aNestedConditionBoundOnlyByTheOuterIndexIsRefused() throws {
    // j == i + 1 with no range of its own: j reaches n, where x[n] is 0 (outside its shape), so
    // the condition is false there, and the stated 0 <= k < n must not cover it.
    let th = try derivative(pinned: try Guard(equal: [minus(i("j"), plus(i("i"), 1))]))
    #expect(throws: KernelError.self) { try Theorem.discharge(th, stating: [everywhere]) }
  }
}
