import Evaluation
import Exact
import ProofKernel
import Testing
@testable import Algebra

/// Seeded random terms over dimensions n, m, tensors x[n], y[m], A[n, m] and a free index j.
struct RandomTerms {
  var rng: SplitMix64
  let x = tensor("x", "n"), y = tensor("y", "m"), A = tensor("A", "n", "m")
  var counter = 0

  init(seed: UInt64) { rng = SplitMix64(seed: seed) }

  mutating func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

  mutating func affine(_ scope: [String]) -> Affine {
    let v = scope[pick(scope.count)]
    return try! Affine(constant: pick(3) - 1, [(.index(v), 1)])
  }

  mutating func term(_ depth: Int, _ scope: [String]) -> Term {
    switch pick(depth <= 0 ? 5 : 11) {
    case 0: return c(pick(7) - 3, pick(3) + 1)
    case 1: return dim(["n", "m"][pick(2)])
    case 2: return try! .access(x, [affine(scope)])
    case 3: return try! .access(y, [affine(scope)])
    case 4: return try! .access(A, [affine(scope), affine(scope)])
    case 5, 6:
      counter += 1
      let b = "b\(counter)"
      return total(b, ["n", "m"][pick(2)], term(depth - 1, scope + [b]))
    case 7: return .add([term(depth - 1, scope), term(depth - 1, scope)])
    case 8: return .mul([term(depth - 1, scope), term(depth - 1, scope)])
    case 9: return .power(term(depth - 1, scope), Rational(2))
    default:
      let f: ScalarFunction = [.relu, .exp, .tanh, .step][pick(4)]
      return .apply(f, term(depth - 1, scope))
    }
  }
}

@Suite("Normal form properties")
struct NormalFormPropertyTests {
  /// Normalizes `t` through kernel steps; returns the normal form and the theorem `⊢ t = nf`.
  func normalForm(_ t: Term) throws -> (Term, Theorem) {
    let builder = ProofBuilder()
    var chain = try builder.start(t)
    var normalizer = Normalizer(avoiding: Prover.names(in: [t]))
    _ = try normalizer.normalize(&chain, at: [])
    return (chain.current, chain.theorem)
  }

  func value(_ t: Term, _ env: Environment) -> Rational? {
    var e = ExactEvaluator(env)
    return try? e.value(of: t)
  }

  @Test func normalFormsEvaluateLikeTheOriginal() throws {
    var gen = RandomTerms(seed: 7)
    var compared = 0
    for k in 0..<150 {
      let t = gen.term(3, ["j"])
      let (nf, th) = try normalForm(t)
      #expect(th.lhs == t && th.hypotheses.isEmpty)
      for seed in 0..<3 as Range<UInt64> {
        let env = try EnvironmentSampler(dimensions: 1...3, indices: -1...3).environment(for: [t, nf], seed: UInt64(k) * 10 + seed)
        guard let a = value(t, env), let b = value(nf, env) else { continue }
        #expect(a == b, "\(t)\n  normal form \(nf)\n  at \(env.dimensions) \(env.indices)")
        compared += 1
      }
    }
    #expect(compared > 200)
  }

  @Test func normalizationIsIdempotent() throws {
    var gen = RandomTerms(seed: 11)
    for _ in 0..<100 {
      let (nf, _) = try normalForm(gen.term(3, ["j"]))
      let (again, _) = try normalForm(nf)
      #expect(again.alphaKey == nf.alphaKey, "\(nf)\n  became \(again)")
    }
  }

  /// Terms equal by construction reach the same normal form; a changed coefficient does not.
  @Test func equalPairsMeetAndDifferentOnesDoNot() throws {
    var gen = RandomTerms(seed: 23)
    let x = gen.x, A = gen.A
    for _ in 0..<60 {
      let a = gen.term(2, ["j"]), b = gen.term(2, ["j"]), d = gen.term(2, ["j"])
      let pairs: [(Term, Term)] = [
        (.add([a, b]), .add([b, a])),                                     // commuted
        (.mul([a, .mul([b, d])]), .mul([.mul([a, b]), d])),               // re-associated
        (.mul([a, .add([b, d])]), .add([.mul([a, b]), .mul([a, d])])),    // distributed
      ]
      for (l, r) in pairs {
        let (nl, _) = try normalForm(l), (nr, _) = try normalForm(r)
        #expect(nl.alphaKey == nr.alphaKey, "\(l) vs \(r)")
        let (changed, _) = try normalForm(.add([r, .mul([c(1, 7), .power(dim("n"), Rational(2)), try .access(x, [ix("j")])])]))
        #expect(changed.alphaKey != nl.alphaKey)
      }
    }
    // Renamed and swapped sums, and a substituted delta.
    let body = { (i: String, k: String) in times(try! .access(A, [ix(i), ix(k)]), try! .access(x, [ix(i)])) }
    let s1 = total("i", "n", total("k", "m", body("i", "k")))
    let s2 = total("q", "m", total("p", "n", body("p", "q")))
    #expect(try normalForm(s1).0.alphaKey == normalForm(s2).0.alphaKey)
    let delta = Term.bracket(try Guard(equal: [try ix("p").plus(ix("i").scaled(by: -1))]))
    let s3 = total("i", "n", total("k", "m", total("p", "n", times(delta, try! .access(A, [ix("p"), ix("k")]), try! .access(x, [ix("i")])))))
    #expect(try normalForm(s1).0.alphaKey == normalForm(s3).0.alphaKey)
    let s4 = total("i", "n", total("k", "m", times(c(2), body("i", "k"))))
    #expect(try normalForm(s1).0.alphaKey != normalForm(s4).0.alphaKey)
  }
}
