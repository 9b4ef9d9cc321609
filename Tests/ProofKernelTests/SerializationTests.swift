import Exact
import Testing
@testable import ProofKernel

/// A small seeded generator of well-formed terms, for properties of printing.
struct TermGenerator {
  var state: UInt64
  let x = vector("x"), y = vector("y", "m")
  let A = try! TensorSymbol("A", shape: [d("n"), d("m")])
  var f = try! Definition("f", parameters: ["p"], shape: [d("n")], body: .apply(.tanh, at(vector("x"), i("p"))))

  mutating func next(_ bound: Int) -> Int {  // SplitMix64
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int((z ^ (z >> 31)) % UInt64(bound))
  }

  mutating func affine(_ scope: [String]) -> Affine {
    var parts: [(Variable, Int)] = []
    for v in scope where next(2) == 0 { parts.append((.index(v), next(5) - 2)) }
    if next(3) == 0 { parts.append((.dimension(["n", "m"][next(2)]), next(3) - 1)) }
    return try! Affine(constant: next(5) - 2, parts)
  }

  mutating func term(depth: Int, scope: [String]) -> Term {
    let kinds = depth == 0 ? 5 : 12
    switch next(kinds) {
    case 0: return q(next(7) - 3, next(3) + 1)
    case 1: return try! .dimension(["n", "m"][next(2)])
    case 2: return at(x, affine(scope))
    case 3: return at(A, affine(scope), affine(scope))
    case 4: return .bracket(try! Guard(nonNegative: [affine(scope)], equal: next(3) == 0 ? [affine(scope)] : []))
    case 5, 6:
      let b = ["i", "j", "k"][next(3)]
      return try! .sum([b], axis(b, d(["n", "m"][next(2)])), term(depth: depth - 1, scope: scope + [b]))
    case 7: return .add([term(depth: depth - 1, scope: scope), term(depth: depth - 1, scope: scope)])
    case 8: return .mul([term(depth: depth - 1, scope: scope), term(depth: depth - 1, scope: scope)])
    case 9: return .power(term(depth: depth - 1, scope: scope), Rational(next(5) - 2, next(2) + 1))
    case 10: return .apply(ScalarFunction.allCases[next(ScalarFunction.allCases.count)], term(depth: depth - 1, scope: scope))
    default: return try! .reference(f, [affine(scope)])
    }
  }
}

@Suite("Serialization")
struct SerializationTests {
  /// Distinct terms never print the same, and equal printings come from equal terms.
  @Test func serializationIsInjective() {
    var gen = TermGenerator(state: 42)
    var seen: [String: Term] = [:]
    var distinct = 0
    for _ in 0..<5_000 {
      let t = gen.term(depth: 3, scope: ["a"])
      let s = t.serialized()
      if let other = seen[s] {
        #expect(other == t, "\(other) and \(t) both print \(s)")
      } else {
        seen[s] = t
        distinct += 1
      }
    }
    #expect(distinct > 2_000)
    // And the converse on the same population: equal terms print the same.
    var byTerm: [Term: String] = [:]
    for (s, t) in seen { byTerm[t] = s }
    #expect(byTerm.count == seen.count)
  }

  /// Renaming a bound index keeps the alpha key; changing anything else changes it.
  @Test func alphaKeyIdentifiesRenamingsOnly() throws {
    let a = sum("i", d("n"), at(vector("x"), i("i")) * at(vector("y"), i("j")))
    let b = sum("k", d("n"), at(vector("x"), i("k")) * at(vector("y"), i("j")))
    let c = sum("j", d("n"), at(vector("x"), i("j")) * at(vector("y"), i("j")))  // j captured: different
    #expect(a.alphaKey == b.alphaKey)
    #expect(a.serialized() != b.serialized())
    #expect(a.alphaKey != c.alphaKey)
    let delta1 = Term.bracket(try Guard(equal: [minus(i("i"), i("j"))]))
    let s1 = try Term.sum(["i", "j"], axis("i", d("n")).and(axis("j", d("n"))), delta1 * at(vector("x"), i("i")))
    let s2 = try Term.sum(["j", "i"], axis("i", d("n")).and(axis("j", d("n"))), .bracket(try Guard(equal: [minus(i("j"), i("i"))])) * at(vector("x"), i("j")))
    #expect(s1.alphaKey == s2.alphaKey)  // the same sum with its two indices swapped in name
  }

  /// A table of printed definitions shared by several theorems (a model's, which hold one
  /// network's definitions) changes no text: each theorem prints as it does alone, and each
  /// definition is printed once.
  @Test func aSharedTableOfDefinitionTextsChangesNoSerialization() throws {
    var gen = TermGenerator(state: 7)
    let g = try Definition("g", parameters: ["p"], shape: [d("n")], body: .add([try .reference(gen.f, [i("p")]), at(gen.x, i("p"))]))
    let texts = DefinitionTexts()
    for _ in 0..<200 {
      let theorem = Theorem.refl(.mul([gen.term(depth: 3, scope: []), try .reference(g, [try Affine(constant: 0, [])])]))
      #expect(try theorem.serialized(texts) == theorem.serialized())
    }
    #expect(texts.printed.count == 2)
  }

  @Test func theoremSerializationListsDefinitionsOnce() throws {
    let th = try HandProofTests().gradientOfSquaredNormProof(sum("i", d("n"), pow(at(vector("x"), i("i")), 2))).last
    let text = try th.serialized()
    #expect(text.hasPrefix("(theorem (definitions) (hypotheses (H (G"))
    #expect(text.contains("(V [] [] x[{0 1*d:n}] _ (S [i]"))
  }
}

@Suite("Guards")
struct GuardTests {
  /// `2i - 1 >= 0` is `i >= 1` over the integers: the constant is rounded down after dividing.
  @Test func constantIsRoundedDown() throws {
    let g = try Guard(nonNegative: [plus(i("i").scaled(by: 2), -1)])
    #expect(g == (try Guard(nonNegative: [plus(i("i"), -1)])))
    #expect(g != (try Guard(nonNegative: [i("i")])))
    #expect(throws: KernelError.self) { try Theorem.ring(.bracket(g), .bracket(try Guard(nonNegative: [i("i")]))) }
    _ = try Theorem.ring(.bracket(g), .bracket(try Guard(nonNegative: [plus(i("i"), -1)])))
    // -2i + 3 >= 0 is i <= 1: floor(3/2) = 1.
    #expect(try Guard(nonNegative: [plus(i("i").scaled(by: -2), 3)]) == (try Guard(nonNegative: [plus(i("i").scaled(by: -1), 1)])))
    // -2i - 3 >= 0 is i <= -2: floor(-3/2) = -2.
    #expect(try Guard(nonNegative: [plus(i("i").scaled(by: -2), -3)]) == (try Guard(nonNegative: [plus(i("i").scaled(by: -1), -2)])))
  }

  @Test func equalitiesAndTrivialConstraints() throws {
    #expect(try Guard(equal: [plus(i("i").scaled(by: 2), -1)]).isFalse)  // 2i = 1 has no integer solution
    #expect(try Guard(equal: [minus(i("j"), i("i"))]) == (try Guard(equal: [minus(i("i"), i("j"))])))
    #expect(try Guard(nonNegative: [plus(d("n"), -1)]).constraints.isEmpty)  // n >= 1 always
    #expect(try !Guard(nonNegative: [plus(d("n"), -2)]).constraints.isEmpty)  // n >= 2 is not known
    #expect(try Guard(nonNegative: [.constant(-1)]).isFalse)
    // Of two bounds with the same variable part, the stronger stays.
    #expect(try Guard(nonNegative: [i("i"), plus(i("i"), -3)]) == (try Guard(nonNegative: [plus(i("i"), -3)])))
  }

  @Test func sumsMustBeBounded() {
    #expect(throws: KernelError.self) { try Term.sum(["i"], try Guard(nonNegative: [i("i")]), q(1)) }
    #expect(throws: KernelError.self) { try Term.sum(["i", "i"], axis("i", d("n")), q(1)) }
    // Bounded through another bound index: 0 <= j < n, j <= i <= j + 2.
    let g = try! axis("j", d("n")).and(Guard.range("i", from: i("j"), through: plus(i("j"), 2)))
    #expect((try? Term.sum(["i", "j"], g, q(1))) != nil)
  }
}

@Suite("Derivation")
struct DerivationTests {
  @Test func premisesMustBeEarlierSteps() throws {
    var proof = Derivation()
    #expect(throws: KernelError.self) { try proof.apply(.sym(0)) }
    let s = try proof.apply(.refl(q(1)))
    #expect(throws: KernelError.self) { try proof.apply(.trans(s, 5)) }
    #expect(proof.steps.count == 1)
  }

  /// Replaying the recorded steps rebuilds the same theorem.
  @Test func stepsReplay() throws {
    let original = try HandProofTests().reluVJP()
    var replay = Derivation()
    for step in original.steps { try replay.apply(step) }
    #expect(try replay.last.serialized() == original.last.serialized())
    #expect(original.steps.map(\.ruleName) == ["refl", "jvp", "ring", "vjp-intro"])
  }
}
