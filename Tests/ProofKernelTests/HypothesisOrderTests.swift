import Exact
import Testing
@testable import ProofKernel

/// The canonical order of a theorem's hypotheses (`Theorem.canonical`): keyed by digests of the
/// definitions, ties settled by the full alpha key. The digest must only ever order.
@Suite("Hypothesis order")
struct HypothesisOrderTests {
  /// Random hypotheses, some repeated, some renamed, over definitions that share a name.
  static func population(seed: UInt64, count: Int) -> [Proposition] {
    var gen = TermGenerator(state: seed)
    var out: [Proposition] = []
    for _ in 0..<count {
      let t = gen.term(depth: 2, scope: ["a"])
      switch gen.next(4) {
      case 0: out.append(.nonZero(t))
      case 1: out.append(.positive(t))
      case 2: out.append(try! .quantified(["a"], axis("a", d("n")), .nonZero(t)))
      default: out.append(.equal(t, gen.term(depth: 1, scope: ["a"])))
      }
      if gen.next(3) == 0 { out.append(out[gen.next(out.count)]) }  // a repetition
    }
    return out
  }

  /// With the digest key, with a key under which every formula collides, and with the full alpha
  /// key, the same classes are kept, one formula each, in an order that does not depend on the
  /// order given.
  @Test func collisionsOnlyCostTime() {
    for seed in UInt64(1)...20 {
      let hs = Self.population(seed: seed, count: 30)
      let byDigest = Theorem.canonical(hs, orderedBy: \.orderKey)
      let colliding = Theorem.canonical(hs, orderedBy: { _ in "" })
      let byAlpha = Theorem.canonical(hs, orderedBy: \.alphaKey)
      let classes = Set(hs.map(\.alphaKey))
      for result in [byDigest, colliding, byAlpha] {
        #expect(result.count == classes.count)
        #expect(Set(result.map(\.alphaKey)) == classes)
      }
      // Under total collision the order is the alpha keys' order.
      #expect(colliding.map(\.alphaKey) == byAlpha.map(\.alphaKey))
      var reversed = hs
      reversed.reverse()
      #expect(Theorem.canonical(reversed, orderedBy: \.orderKey).map(\.alphaKey) == byDigest.map(\.alphaKey))
    }
  }

  /// Definitions that share a name but not a body are different hypotheses, however they order.
  @Test func sameNameDifferentBodyIsKept() throws {
    let x = vector("x")
    let f = try Definition("f", parameters: ["p"], shape: [d("n")], body: .apply(.tanh, at(x, i("p"))))
    let g = try Definition("f", parameters: ["p"], shape: [d("n")], body: .apply(.relu, at(x, i("p"))))
    let renamed = try Definition("f", parameters: ["r"], shape: [d("n")], body: .apply(.tanh, at(x, i("r"))))
    #expect(f.digest != g.digest)
    #expect(f.digest == renamed.digest)  // alpha-equivalent contents digest alike
    let hs: [Proposition] = [.nonZero(try .reference(f, [i("k")])), .nonZero(try .reference(g, [i("k")])),
                             .nonZero(try .reference(renamed, [i("k")]))]
    let kept = Theorem.canonical(hs, orderedBy: \.orderKey)
    #expect(kept.count == 2)
    #expect(Theorem.canonical(hs, orderedBy: { _ in "" }).count == 2)
  }

  /// The order key does not grow with the depth of the definitions a hypothesis names.
  @Test func orderKeyNamesDefinitionsByDigest() throws {
    let x = vector("x")
    var layer = try Definition("h0", parameters: ["p"], shape: [d("n")], body: at(x, i("p")))
    for k in 1...40 {
      layer = try Definition("h\(k)", parameters: ["p"], shape: [d("n")], body: .apply(.tanh, try .reference(layer, [i("p")])))
    }
    let h = Proposition.nonZero(try .reference(layer, [i("k")]))
    #expect(h.orderKey.count < 80, "\(h.orderKey)")
    #expect(h.alphaKey.count > 40 * 20)
  }
}

/// The kernel's arithmetic on canonical affine forms (`plus`, `scaled` merge sorted parts) agrees
/// with building the canonical form from scratch, and guards do not depend on the order given.
@Suite("Affine arithmetic")
struct AffineArithmeticTests {
  @Test func mergingAgreesWithTheGeneralConstructor() throws {
    var gen = TermGenerator(state: 7)
    let scope = ["a", "b", "c"]
    for _ in 0..<2_000 {
      let (x, y) = (gen.affine(scope), gen.affine(scope))
      let k = gen.next(7) - 3
      let pairs = x.terms.map { ($0.variable, $0.coefficient) } + y.terms.map { ($0.variable, $0.coefficient) }
      #expect(try x.plus(y) == Affine(constant: x.constant + y.constant, pairs))
      #expect(try x.scaled(by: k) == Affine(constant: x.constant * k, x.terms.map { ($0.variable, $0.coefficient * k) }))
      #expect(try x.plus(x.scaled(by: -1)) == .constant(0))
      let forward = try Guard(nonNegative: [x, y], equal: [])
      let backward = try Guard(nonNegative: [y, x], equal: [])
      #expect(forward == backward)
      // The shortcut `G and G = G` returns what the conjunction computes from scratch.
      #expect(try forward.and(forward) == Guard(nonNegative: [x, y, x, y], equal: []))
    }
  }
}
