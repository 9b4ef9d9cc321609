import Exact
import Testing
@testable import ProofKernel

/// `isAlphaEquivalent` asks the `ring` rule's structural atom numbers first, where it printed
/// numbered keys until session 22 (Docs/Rules.md, "Session 22's kernel"): it must decide what it
/// decided, which is what the full keys decide.
@Suite struct AlphaEquivalenceTests {
  /// The decision as it was: equal terms, then equal numbered keys, then equal full keys.
  static func before(_ a: Term, _ b: Term) -> Bool { a == b || a.numberedKey() == b.numberedKey() || a.alphaKey == b.alphaKey }

  /// A definition equal to `f` under another number: `f`'s registered twin is freed before it is
  /// made, so it registers itself (as `InterningTests` does).
  static func twins() throws -> (Definition, Definition) {
    func make() throws -> Definition { try Definition("g22", parameters: ["p"], shape: [d("n")], body: .apply(.tanh, at(vector("x"), plus(i("p"), 22)))) }
    func survivor() throws -> Definition { let first = try make(); _ = first; return try make() }
    let copy = try survivor(), later = try make()
    return (copy, later)
  }

  /// Generated terms with reused bound names (so many pairs are renamings of each other), each
  /// also built over an equal definition with another number, compared in pairs: the terms with
  /// the same full key, a term with its twin, and terms drawn at random.
  @Test func decidesAsTheNumberedKeysAndTheFullKeysDid() throws {
    let (f, twin) = try Self.twins()
    #expect(f == twin && f.number != twin.number)
    var (one, other) = (TermGenerator(state: 2210, f: f), TermGenerator(state: 2210, f: twin))
    var terms: [Term] = [], twins: [Term] = []
    for _ in 0..<3_000 { terms.append(one.term(depth: 2, scope: ["a"])); twins.append(other.term(depth: 2, scope: ["a"])) }
    var byKey: [String: [Int]] = [:]
    for (k, t) in terms.enumerated() { byKey[t.alphaKey, default: []].append(k) }
    var pairs: [(Term, Term)] = zip(terms, twins).map { ($0, $1) }
    for ks in byKey.values { for (a, b) in zip(ks, ks.dropFirst()) { pairs.append((terms[a], terms[b])) } }
    for k in terms.indices { pairs.append((terms[k], terms[(k * 7 + 3) % terms.count])) }
    var (equivalent, byNumbersOnly, byFullKeysOnly) = (0, 0, 0)
    for (a, b) in pairs {
      let decided = a.isAlphaEquivalent(to: b)
      #expect(decided == Self.before(a, b), "\(a) and \(b)")
      #expect(decided == (a.alphaKey == b.alphaKey))
      guard decided else { continue }
      equivalent += 1
      if a != b, a.numberedKey() == b.numberedKey() { byNumbersOnly += 1 }
      if a.numberedKey() != b.numberedKey() { byFullKeysOnly += 1 }
    }
    // Both ways of answering yes are exercised, and most random pairs are told apart.
    #expect(byNumbersOnly > 50 && byFullKeysOnly > 200 && pairs.count - equivalent > 2_000, "\(byNumbersOnly), \(byFullKeysOnly), \(equivalent) of \(pairs.count)")
  }

  /// An atom key that cannot be built (a coefficient whose negation overflows) leaves the decision
  /// to the full keys, as an unequal numbered key did.
  @Test func anAtomKeyThatCannotBeBuiltFallsBackToTheFullKeys() throws {
    func pinned(_ k: String) throws -> Term {
      let g = try axis(k, d("n")).and(Guard(equal: [try Affine([(.index(k), 3), (.index("z"), Int.min)])]))
      return try .sum([k], g, at(vector("x"), i(k)))
    }
    let (a, b) = (try pinned("k"), try pinned("j"))
    #expect(a != b)
    #expect(throws: KernelError.overflow(what: "index arithmetic")) { try AtomTable().number(of: a, bound: []) }
    #expect(a.isAlphaEquivalent(to: b))
    #expect(!a.isAlphaEquivalent(to: try .sum(["j"], axis("j", d("n")), at(vector("x"), i("j")))))
  }
}
