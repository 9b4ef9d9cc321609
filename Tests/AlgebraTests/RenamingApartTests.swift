import ProofKernel
import Testing
@testable import Algebra

/// Renaming bound indices apart before expansion (`Normalizer.renameApart`): each renaming is a
/// kernel `change-of-variables`, a substitution into the whole sum, so a bound name that is
/// already apart (given out by `fresh`, bound once, not free) keeps it, and only the others get
/// fresh names. The normal form is the same either way.
@Suite("Renaming bound indices apart")
struct RenamingApartTests {
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
}
