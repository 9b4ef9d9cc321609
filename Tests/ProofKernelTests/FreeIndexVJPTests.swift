import Exact
import Testing
@testable import ProofKernel

/// A `vjp` or `grad` whose output mentions an index besides its binders (a class label `c`): the
/// product is taken for each value of `c`, which is free in it (`certify-rules-5`, Docs/Rules.md).
@Suite struct FreeIndexVJPTests {
  let x = vector("x"), dx = vector("dx"), a = vector("a", "m")

  /// `grad(sum(o: n) x[o]^2 * a[c], x)[j] = 2 * x[j] * a[c]`, by hand: `c` stays free.
  @Test func aLabelInTheOutputStaysFreeInTheTheorem() throws {
    let c = i("c"), o = i("o")
    let loss = sum("o", d("n"), pow(at(x, o), 2) * at(a, c))
    var proof = Derivation()
    let start = try proof.apply(.refl(try .derivative(loss, x, along: dx)))
    let derived = try proof.apply(.rewrite(start, path: [], .jvp))
    let paired = try proof.apply(.rewrite(derived, path: [0], .ring(at(dx, o) * (q(2) * at(x, o) * at(a, c)))))
    let grad = try proof.apply(.vjpIntro(paired, at: ["j"]))
    let theorem = proof.theorems[grad]
    #expect(theorem.lhs.freeIndices == ["c", "j"])
    #expect(theorem.rhs == q(2) * at(x, i("j")) * at(a, c))
    // Read at the label itself: both sides are evaluated at the same c.
    let diagonal = try Derivation().applying(proof.steps.dropLast() + [.vjpIntro(paired, at: ["c"])])
    #expect(diagonal.lhs.freeIndices == ["c"])
    #expect(diagonal.rhs == q(2) * at(x, c) * at(a, c))
  }

  /// An index bound outside a `vjp` and mentioned by its output stays bound in the key: summing over
  /// the label is not the same term as a sum over another index with the label free.
  @Test func keysKeepIndicesBoundOutsideTheVJP() throws {
    func labelled(_ label: String) throws -> Term {
      try .vjp(sum("o", d("n"), pow(at(x, i("o")), 2)) * at(a, i(label)), binders: [], shape: [], wrt: x, seed: nil, at: [i("j")])
    }
    let overLabel = try Term.sum(["c"], axis("c", d("m")), try labelled("c"))
    let labelFree = try Term.sum(["e"], axis("e", d("m")), try labelled("c"))
    let renamed = try Term.sum(["e"], axis("e", d("m")), try labelled("e"))
    #expect(overLabel.alphaKey != labelFree.alphaKey)
    #expect(overLabel.alphaKey == renamed.alphaKey)
    #expect(overLabel.freeIndices == ["j"] && labelFree.freeIndices == ["c", "j"])
  }

  /// Substituting for the label renames a binder of the output that would capture what comes in.
  @Test func substitutionIntoTheOutputAvoidsCapture() throws {
    let dy = vector("dy")
    let v = try Term.vjp(at(x, i("o")) * at(a, i("c")), binders: ["o"], shape: [d("n")], wrt: x, seed: dy, at: [i("j")])
    let substituted = try v.substituting(["c": i("o")])
    guard case let .vjp(w) = substituted.node else { Issue.record("not a vjp: \(substituted)"); return }
    #expect(w.binders != ["o"])
    #expect(w.output == at(x, i(w.binders[0])) * at(a, i("o")))
    #expect(substituted.freeIndices == ["o", "j"])
  }
}

extension Derivation {
  /// A new derivation of `steps`, its last theorem.
  func applying(_ steps: [Step]) throws -> Theorem {
    var proof = Derivation()
    for step in steps { try proof.apply(step) }
    return proof.last
  }
}
