import Testing
@testable import ProofKernel

/// Capture-avoiding substitution (`Term.substituting`): a binder is renamed only where a
/// replacement brings in its name, and the fresh name avoids every index free in the body, which
/// is read only then (Docs/Rules.md, "A note on substitution").
@Suite struct SubstitutionTests {
  let x = vector("x"), y = vector("y"), z = vector("z")

  @Test func aBinderIsKeptWhereNothingClashes() throws {
    let t = sum("k", d("n"), at(x, i("k")) * at(y, i("j")))
    #expect(try t.substituting(["j": i("i")]) == sum("k", d("n"), at(x, i("k")) * at(y, i("i"))))
  }

  @Test func aClashingBinderIsRenamed() throws {
    let t = sum("i", d("n"), at(x, i("i")) * at(y, i("j")))
    #expect(try t.substituting(["j": i("i")]) == sum("i'", d("n"), at(x, i("i'")) * at(y, i("i"))))
  }

  /// The fresh name skips `i'`, free in the body: taking it would capture the body's own `i'`.
  @Test func theFreshNameAvoidsTheBodysFreeIndices() throws {
    let t = sum("i", d("n"), at(x, i("i")) * at(y, i("j")) * at(z, i("i'")))
    let s = try t.substituting(["j": i("i")])
    #expect(s == sum("i''", d("n"), at(x, i("i''")) * at(y, i("i")) * at(z, i("i'"))))
    #expect(s.freeIndices == ["i", "i'"])
  }

  /// Under two sums, the clash is met at the inner one only; the outer binder stays.
  @Test func onlyTheClashingBinderOfNestedSumsIsRenamed() throws {
    let t = sum("k", d("n"), sum("i", d("n"), at(x, i("i")) * at(y, i("k")) * at(z, i("j"))))
    let s = try t.substituting(["j": i("i")])
    #expect(s == sum("k", d("n"), sum("i'", d("n"), at(x, i("i'")) * at(y, i("k")) * at(z, i("i")))))
  }

  /// Free indices are added to one set as the walk goes (session 17): a sum takes out only its
  /// own binders, so an index bound inside is free beside it, in a guard, and in an access's
  /// index expression; a definition's reference contributes its arguments, not its parameters.
  @Test func freeIndicesAreThoseNoSumBindsWhereTheyOccur() throws {
    let jk = try i("j").plus(i("k"))
    let inner = sum("k", d("n"), at(x, i("k")) * at(y, jk))
    let t = inner * at(z, i("k")) * .bracket(axis("m", d("n"))) * pow(at(x, i("p")), 2)
    #expect(t.freeIndices == ["j", "k", "m", "p"])
    #expect(inner.freeIndices == ["j"])
    let e = try Definition("e", parameters: ["a"], shape: [d("n")], body: at(x, i("a")))
    #expect(try Term.reference(e, [i("q")]).freeIndices == ["q"])
    #expect(throws: KernelError.self) { try Definition("f", parameters: ["a"], shape: [d("n")], body: at(x, i("b"))) }
  }

  /// A sum rebuilt with a new body keeps its binders and guard, as `Term.sum` would build it.
  @Test func aSumRebuiltWithANewBodyIsTheSumOfThatBody() throws {
    let t = sum("k", d("n"), at(x, i("k")))
    let rebuilt = try t.replacingChildren([at(y, i("k"))])
    #expect(rebuilt == (try Term.sum(["k"], axis("k", d("n")), at(y, i("k")))))
  }
}
