import Exact
import Testing
@testable import ProofKernel

/// The kernel's shortcuts in replay (Docs/Rules.md, "A note on shortcuts"): each must give what
/// the long way gives, which is computed here the long way.
@Suite("Shortcuts give the long way's answers")
struct ShortcutTests {
  /// `a and b` the long way: the canonical conjunction of both guards' constraints.
  static func joined(_ a: Guard, _ b: Guard) throws -> Guard {
    a.isFalse || b.isFalse ? .false : try Guard(a.constraints + b.constraints)
  }

  /// The guard of each axis, joined one by one: what `shapeGuard` built before.
  static func axesJoined(_ x: TensorSymbol, _ indices: [Affine]) throws -> Guard {
    try zip(indices, x.shape).reduce(Guard.true) { g, axis in
      try joined(g, Guard(nonNegative: [axis.0, try axis.1.plus(.constant(-1)).plus(axis.0.scaled(by: -1))]))
    }
  }

  @Test func shapeGuardIsTheAxesJoinedOneByOne() throws {
    let x = try TensorSymbol("x", shape: [d("c"), d("h"), d("w"), .constant(3)])
    let cases: [[Affine]] = [
      [i("c"), plus(i("h"), 1), try i("w").plus(i("p")), try i("q").scaled(by: 2)],  // each axis its own indices
      [i("c"), i("c"), i("w"), i("q")],  // an index on two axes
      [i("c"), plus(i("h"), -1), minus(i("w"), i("h")), i("q")],  // two axes share h
      [.constant(0), i("h"), .constant(2), i("q")],  // axes without indices
      [i("c"), i("h"), i("w"), .constant(5)],  // an axis read outside its size: false
    ]
    for idx in cases {
      #expect(try x.shapeGuard(idx) == Self.axesJoined(x, idx), "\(idx)")
    }
    #expect(try x.shapeGuard(cases[4]).isFalse)
    // [1, n] read at [i + 1, i]: the first axis gives i = -1, which the fold keeps beside i >= 0
    // (an equality and an inequality are never compared); one conjunction of all four constraints
    // would find -i - 1 >= 0 against i >= 0 and answer false. The indices are shared, so the fold.
    let y = try TensorSymbol("y", shape: [.constant(1), d("n")])
    let pinned = [plus(i("i"), 1), i("i")]
    #expect(try y.shapeGuard(pinned) == Self.axesJoined(y, pinned))
    #expect(try !y.shapeGuard(pinned).isFalse)
    let all = [plus(i("i"), 1), try plus(i("i"), 1).scaled(by: -1), i("i"), minus(plus(d("n"), -1), i("i"))]
    #expect(try Guard(nonNegative: all).isFalse)
  }

  /// `isKnownInShape` (chain's instantiation, session 20) answers true only where the guard built
  /// the long way is not false and its constraints are all known, and it does answer where the
  /// axes' constraints are apart (an axis of constant size 3 included: `w >= 0` and `2 - w >= 0`).
  @Test func knownInShapeOnlyWhereTheBuiltGuardIsKnown() throws {
    let x = try TensorSymbol("x", shape: [d("c"), d("h"), .constant(3), d("n")])
    let reads: [[Affine]] = [
      [i("c"), i("h"), i("w"), i("q")],
      [i("c"), plus(i("h"), -1), try i("w").plus(i("p")), .constant(0)],
      [i("c"), i("c"), i("w"), i("q")],  // one index on two axes: the same variable parts
      [.constant(0), minus(i("h"), i("w")), i("w"), i("q")],  // an axis over a dimension alone
      [i("c"), i("h"), .constant(5), i("q")],  // outside the shape: false
      [i("c"), i("h"), try i("w").scaled(by: 2), plus(i("q"), 1)],
      [i("c"), try i("w").scaled(by: -1), minus(i("w"), .constant(5)), i("q")],  // w <= 0 and w >= 5: false
    ]
    var decided = 0
    for idx in reads {
      let full = try x.shapeGuard(idx)
      // Known: the whole guard, each half of it, and the guard with one constraint more.
      let knowns: [Set<Constraint>] = [
        Set(full.constraints), Set(full.constraints.prefix(full.constraints.count / 2)), Set(full.constraints.dropFirst()),
        Set(try full.and(Guard(nonNegative: [minus(d("n"), i("c"))])).constraints), [],
      ]
      for known in knowns {
        let fast = try x.isKnownInShape(idx, where: known)
        let long = !full.isFalse && full.constraints.allSatisfy(known.contains)
        #expect(!fast || long, "\(idx) under \(known)")
        if fast { decided += 1 }
      }
    }
    #expect(decided >= 4)
    // Every axis over its own index, all known: decided without the guard.
    let own = [i("c"), i("h"), i("w"), i("q")]
    #expect(try x.isKnownInShape(own, where: Set(x.shapeGuard(own).constraints)))
    // An axis of size 1: its two constraints are opposite (the guard joins them into q == 0), so the
    // shortcut leaves it to the guard, which the known inequalities do not hold.
    let y = try TensorSymbol("y", shape: [d("c"), .constant(1)])
    let halves = Set(try [i("c"), minus(plus(d("c"), -1), i("c")), i("q"), try i("q").scaled(by: -1)].map { try #require(try Constraint.canonical(.nonNegative, $0) ?? nil) })
    #expect(halves.count == 4)
    #expect(try !y.isKnownInShape([i("c"), i("q")], where: halves))
    #expect(try !y.shapeGuard([i("c"), i("q")]).constraints.allSatisfy(halves.contains))
  }

  @Test func andOfGuardsOneWithinTheOtherIsTheLongWay() throws {
    let range = try Guard.range("i", from: i("j"), through: plus(i("j"), 2)).and(axis("j", d("n")))
    let pinned = try Guard(equal: [minus(i("i"), i("k"))])
    let guards = [Guard.true, .false, axis("j", d("n")), range, pinned, try range.and(pinned), try Guard(nonNegative: [minus(d("n"), plus(i("j"), 3))])]
    for a in guards {
      for b in guards {
        #expect(try a.and(b) == Self.joined(a, b), "\(a) and \(b)")
      }
    }
    // Within: `range` holds the axis of j, so joining them gives `range` itself.
    #expect(try range.and(axis("j", d("n"))) == range)
  }

  /// A list of hypotheses already canonical is its own canonical form, so a rule that passes one
  /// premise's hypotheses on unchanged (`sym`, `alpha`, `trans` or `cong` with nothing added) need
  /// not sort it again.
  @Test func canonicalHypothesesAreTheirOwnCanonicalForm() throws {
    for seed in UInt64(1)...20 {
      let hs = Theorem.canonical(HypothesisOrderTests.population(seed: seed, count: 30), orderedBy: \.orderKey)
      #expect(Theorem.canonical(hs, orderedBy: \.orderKey) == hs)
      #expect(Theorem(hs, q(1), q(1), canonical: true).hypotheses == Theorem(hs.reversed(), q(1), q(1)).hypotheses)
    }
  }

  /// A stated positive term is found again under other bound names, through a definition, with
  /// its order key as the first filter; a term with another definition of the same name is not.
  @Test func aStatedPositiveTermIsFoundUpToBoundNames() throws {
    let x = vector("x")
    let w = try Definition("w", parameters: ["k"], shape: [d("n")], body: at(x, i("k")))
    let other = try Definition("w", parameters: ["k"], shape: [d("n")], body: q(2) * at(x, i("k")))
    func total(_ def: Definition, _ b: String) throws -> Term { try .sum([b], axis(b, d("n")), .reference(def, [i(b)])) }
    let stated = Proposition.positive(try total(w, "a"))
    let renamed = try total(w, "b")
    #expect(try Theorem.discharge(.powMerge(pow(renamed, 1, 2) * pow(renamed, 1, 2)), stating: [stated]).hypotheses == [stated])
    let another = try total(other, "b")
    #expect(throws: KernelError.self) { try Theorem.discharge(.powMerge(pow(another, 1, 2) * pow(another, 1, 2)), stating: [stated]) }
    // Inside a larger term too: exp(..) times the stated sum is positive.
    let larger = Term.apply(.exp, at(x, .constant(0))) * renamed
    #expect(try Theorem.discharge(.powMerge(pow(larger, 1, 2) * pow(larger, 1, 2)), stating: [stated]).hypotheses == [stated])
  }
}
