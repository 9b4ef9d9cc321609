import Exact
import ProofKernel
import Testing
@testable import Algebra

/// A function's argument is normalized on its own, so indices bound outside it are free there,
/// under whatever names each side of an identity gave them. Its factors are ordered by a key that
/// does not print those names (`Normalizer.sortedFactors`): attention's score
/// `exp(sum(e) u[t, 0, e] * u[s, 1, e])` reaches one normal form under every naming of `t` and `s`,
/// which the kernel's `ring` (comparing an atom's factors in order) identifies.
@Suite("Argument factor order")
struct ArgumentFactorOrderTests {
  let u = tensor("u", "T", "J", "E"), y = tensor("y", "T")

  /// `sum(q: T) sum(k: T) y[q] * exp(sum(e: E) u[q, qp, e] * u[k, kp, e])`: the query's token `q`,
  /// the key's `k`, each read at its part of `u` (as an attention reads its one input); with
  /// `keyOutside`, the sum over `k` written outside the one over `q`.
  func score(query q: String, key k: String, parts: (query: Int, key: Int) = (0, 1), keyOutside: Bool = false) -> Term {
    let read = { (i: String, part: Int) in try! Term.access(u, [ix(i), .constant(part), ix("e")]) }
    let body = times(access(y, q), .apply(.exp, total("e", "E", times(read(q, parts.query), read(k, parts.key)))))
    return keyOutside ? total(k, "T", total(q, "T", body)) : total(q, "T", total(k, "T", body))
  }

  /// Both normalized by one normalizer, as the chain proof compares two sides.
  func normalForms(_ a: Term, _ b: Term) throws -> (Term, Term) {
    let builder = ProofBuilder()
    var normalizer = Normalizer(avoiding: Prover.names(in: [a, b]))
    var left = try builder.start(a), right = try builder.start(b)
    _ = try normalizer.normalize(&left, at: [])
    _ = try normalizer.normalize(&right, at: [])
    return (left.current, right.current)
  }

  /// The normalizer renames bound indices in the order it meets them, so with the key's sum
  /// outside, the key's token gets the smaller name: ordered by those names, the query's read came
  /// first inside `exp` on one side and the key's on the other.
  @Test func theNamesOfIndicesBoundOutsideAnArgumentDoNotOrderItsFactors() throws {
    for (q, k) in [("t", "s"), ("a", "b")] {
      let (l, r) = try normalForms(score(query: "t", key: "s"), score(query: q, key: k, keyOutside: true))
      #expect(throws: Never.self, "query \(q), key \(k)") { try Theorem.ring(l, r) }
    }
  }

  /// The twin: the token `y` reads is the key's, not the query's. Not the same function, and
  /// not identified.
  @Test func anArgumentReadingTheOtherPartsIsNotIdentified() throws {
    for keyOutside in [false, true] {
      let (l, r) = try normalForms(score(query: "t", key: "s"), score(query: "a", key: "b", parts: (1, 0), keyOutside: keyOutside))
      #expect(throws: KernelError.self) { try Theorem.ring(l, r) }
    }
  }
}
