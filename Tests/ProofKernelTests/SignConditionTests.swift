import Exact
import Testing
@testable import ProofKernel

/// `discharge` of sign conditions from stated ones (issue 17, items 5 and 6): positivity given
/// stated positive terms, and a stated condition scaled by a rational. Each side condition has a
/// refusal here (Docs/Rules.md, "discharge").
@Suite("Sign conditions from stated hypotheses")
struct SignConditionTests {
  let x = vector("x"), v = vector("v")
  let eps = try! Term.named("eps")

  func expectRefusal(_ body: () throws -> Theorem, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
      let th = try body()
      Issue.record("discharge accepted: \(th)", sourceLocation: sourceLocation)
    } catch let error as KernelError {
      #expect(error.description.hasPrefix("discharge:"), "\(error)", sourceLocation: sourceLocation)
    } catch { Issue.record("unexpected \(error)", sourceLocation: sourceLocation) }
  }

  /// `Γ ⊢ sum(k: n) t(k) * t(k)^-1 = sum(k: n) 1`, whose `Γ` is `forall k: n. t(k) != 0`.
  func cancelled(_ t: (Affine) -> Term) throws -> Theorem {
    var proof = Derivation()
    let k = i("k")
    let s = try proof.apply(.refl(sum("k", d("n"), t(k) * pow(t(k), -1))))
    try proof.apply(.rewrite(s, path: [0], .powMerge))
    return proof.last
  }

  /// The same for `t(k)^(1/2) * t(k)^(1/2)`, whose `Γ` is `forall k: n. t(k) > 0`.
  func halves(_ t: (Affine) -> Term) throws -> Theorem {
    var proof = Derivation()
    let k = i("k")
    let s = try proof.apply(.refl(sum("k", d("n"), pow(t(k), 1, 2) * pow(t(k), 1, 2))))
    try proof.apply(.rewrite(s, path: [0], .powMerge))
    return proof.last
  }

  @Test func aScaledStatedConditionCoversItsMultiples() throws {
    let stated = try Proposition.quantified(["j"], axis("j", d("n")), .nonZero(at(x, i("j"))))
    for scaled in [{ (k: Affine) in q(-1) * at(self.x, k) }, { k in q(3, 2) * at(self.x, k) }, { k in at(self.x, k) }] {
      #expect(try Theorem.discharge(cancelled(scaled), stating: [stated]).hypotheses == [stated])
    }
    // Not a multiple: x[k] + 1, x[k]^2, 0 * x[k].
    for other in [{ (k: Affine) in at(self.x, k) + q(1) }, { k in at(self.x, k) * at(self.x, k) }, { k in q(2) * at(self.x, k) * at(self.v, k) }] {
      expectRefusal { try .discharge(cancelled(other), stating: [stated]) }
    }
    // A positive multiple of a stated positive term is positive; a negative one is not.
    let positive = try Proposition.quantified(["j"], axis("j", d("n")), .positive(at(x, i("j"))))
    let half = try halves { k in q(2) * at(self.x, k) }   // needs 2 x[k] > 0
    #expect(try Theorem.discharge(half, stating: [positive]).hypotheses == [positive])
    let negative = try halves { k in q(-2) * at(self.x, k) }
    expectRefusal { try .discharge(negative, stating: [positive]) }
  }

  /// `(1/n) sum(j: n) (x[j] - m)^2 + eps > 0` given `eps > 0`, not without it, not given `eps != 0`.
  @Test func positivityUsesStatedPositiveTerms() throws {
    let m = try Term.named("m")
    let variance = Term.mul([pow(try Term.dimension("n"), -1), sum("j", d("n"), pow(at(x, i("j")) + q(-1) * m, 2))])
    let denominator = variance + eps
    let th = try Theorem.powMerge(pow(denominator, -1, 2) * pow(denominator, 1, 2))
    #expect(th.hypotheses == [.positive(denominator)])
    #expect(try Theorem.discharge(th, stating: [.positive(eps)]).hypotheses == [.positive(eps)])
    expectRefusal { try .discharge(th, stating: []) }
    expectRefusal { try .discharge(th, stating: [.nonZero(eps)]) }
    let minus = variance + q(-1) * eps
    expectRefusal { try .discharge(.powMerge(pow(minus, -1, 2) * pow(minus, 1, 2)), stating: [.positive(eps)]) }
  }

  /// A stated fact about a free index `k` says nothing about a bound `k`.
  @Test func aStatedFactIsNotCapturedByABinder() throws {
    let vk = at(v, i("k"))
    let stated = Proposition.positive(vk)
    // forall k: n. v[k] != 0 (from a sum over k) is not `v[k] > 0` at the free k.
    expectRefusal { try .discharge(cancelled { k in at(self.v, k) }, stating: [stated]) }
    // sum(k: n) v[k] > 0 does not follow from v[k] > 0 at the free k.
    let total = sum("k", d("n"), vk)
    expectRefusal { try .discharge(.powMerge(pow(total, 1, 2) * pow(total, 1, 2)), stating: [stated]) }
    // Nor through a definition's parameter named k.
    let def = try Definition("w", parameters: ["k"], shape: [d("n")], body: vk)
    let wk = try Term.reference(def, [.constant(0)])
    expectRefusal { try .discharge(.powMerge(pow(wk, 1, 2) * pow(wk, 1, 2)), stating: [stated]) }
    // At the free k itself it does.
    #expect(try Theorem.discharge(.powMerge(pow(vk, 1, 2) * pow(vk, 1, 2)), stating: [stated]).hypotheses == [stated])
  }
}
