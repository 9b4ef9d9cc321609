import ProofKernel
import Testing
@testable import Algebra

/// The engine's changes of variables, each a kernel `change-of-variables` (a substitution into the
/// whole sum). Renaming bound indices apart before expansion (`Normalizer.renameApart`): a bound
/// name that is already apart (given out by `fresh`, bound once, not free) keeps it, and only the
/// others get fresh names; the normal form is the same either way. Straightening `dx`'s slots
/// (`Prover.straighten`) runs in a chain without the derivative's conditions.
@Suite("Changes of variables")
struct ChangeOfVariablesTests {
  let x = tensor("x", "n"), y = tensor("y", "n"), z = tensor("z", "n")

  /// The number of `change-of-variables` steps normalizing `t` took, and the normal form's step.
  func renamings(_ t: Term, _ normalizer: inout Normalizer, _ builder: ProofBuilder) throws -> (count: Int, chain: Chain) {
    let before = builder.derivation.steps.count
    var chain = try builder.start(t)
    _ = try normalizer.normalize(&chain, at: [])
    let count = builder.derivation.steps.dropFirst(before).filter { if case .rewrite(_, _, .changeOfVariables) = $0 { true } else { false } }.count
    return (count, chain)
  }

  @Test func aNameGivenByFreshAndBoundOnceIsKept() throws {
    var normalizer = Normalizer(avoiding: ["i", "n"])
    let k = normalizer.fresh()
    // `sum(k) x[k] * sum(i) y[i]`: only the statement's `i` is renamed.
    let t = total(k, "n", times(access(x, k), total("i", "n", access(y, "i"))))
    let builder = ProofBuilder()
    let (count, kept) = try renamings(t, &normalizer, builder)
    #expect(count == 1)
    // The same normal form as with every name renamed (`k` not given out here, so renamed too).
    var other = Normalizer(avoiding: ["i", "n", k])
    let (all, renamed) = try renamings(t, &other, builder)
    #expect(all == 2)
    var left = kept
    try left.apply(.ring(renamed.current), at: [])
  }

  @Test func aNameBoundTwiceIsRenamedInEverySum() throws {
    var normalizer = Normalizer(avoiding: ["n"])
    let k = normalizer.fresh()
    let t = plus(total(k, "n", access(x, k)), total(k, "n", access(y, k)))
    let (count, _) = try renamings(t, &normalizer, ProofBuilder())
    #expect(count == 2)
  }

  @Test func aNameAlsoFreeIsRenamed() throws {
    var normalizer = Normalizer(avoiding: ["n"])
    let k = normalizer.fresh()
    // `z[k] * sum(k) x[k]`: the bound `k` is not the free one.
    let t = times(access(z, k), total(k, "n", access(x, k)))
    let (count, chain) = try renamings(t, &normalizer, ProofBuilder())
    #expect(count == 1)
    #expect(chain.current.freeIndices == [k])
  }

  /// `dx[p + 1]` is straightened to `dx[h]` on the side that carries relu's condition: the change
  /// of variables is a step of a chain without hypotheses (the kernel orders them again at every
  /// step), joined to the side by `trans`.
  @Test func straighteningRunsWithoutTheDerivativesConditions() throws {
    let document = try TheoremLanguage.parse("""
      dim n
      tensor x[n + 1], dy[n]
      def y[p: n] = relu(x[p + 1])
      theorem shifted_relu: vjp(p: n -> y[p], x, dy)[h] = sum(p: n | h == p + 1) step(x[p + 1]) * dy[p]
        assume forall p: n. x[p + 1] != 0
      """, file: "shifted.thm")
    let s = try #require(document.statements.first)
    let builder = ProofBuilder()
    let theorem = try Prover.proveOrThrow(s, builder)
    #expect(!theorem.hypotheses.isEmpty)
    let changes = builder.derivation.steps.indices.filter { k in
      if case .rewrite(_, _, .changeOfVariables) = builder.derivation.steps[k] { true } else { false }
    }
    #expect(!changes.isEmpty)
    for k in changes { #expect(builder.theorem(k).hypotheses.isEmpty, "step \(k)") }
  }
}
