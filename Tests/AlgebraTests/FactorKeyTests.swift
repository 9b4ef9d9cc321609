import Exact
import ProofKernel
import Testing
@testable import Algebra

/// A monomial's factors keyed under `Term.pinning` of its binders instead of its guard: what
/// follows the printed guard is the same, so factors, and monomials of one guard and number of
/// binders, compare as they did under the guard (the order of a normal form does not change).
@Suite("Factor keys without the guard")
struct FactorKeyTests {
  let x = tensor("x", "C", "H"), w = tensor("w", "O", "C", "K"), y = tensor("y", "O")

  /// A convolution's guard over `c, p` with the output index `o` free, and factors that read the
  /// binders, a free index, a stride, a function, a power and a named constant.
  func cases() throws -> (binders: [String], guards: [Guard], factors: [Term]) {
    let conv = try Guard(nonNegative: [ix("c"), try dm("C").plus(.constant(-1)).plus(ix("c").scaled(by: -1)),
                                       ix("p"), try dm("K").plus(.constant(-1)).plus(ix("p").scaled(by: -1)),
                                       try ix("o").scaled(by: 2).plus(ix("p")), try dm("H").plus(.constant(-1)).plus(try ix("o").scaled(by: -2)).plus(ix("p").scaled(by: -1))])
    let equal = try conv.and(try Guard(equal: [try ix("c").plus(ix("p").scaled(by: -1))]))
    let factors: [Term] = [
      try .access(x, [ix("c"), try ix("o").scaled(by: 2).plus(ix("p"))]), access(w, "o", "c", "p"), access(w, "o", "p", "c"),
      .apply(.relu, plus(access(y, "o"), times(c(3), access(x, "c", "p")))), .power(access(x, "p", "c"), Rational(-2)),
      try .named("eps"), total("q", "K", times(access(w, "o", "c", "q"), access(x, "c", "q"))),
    ]
    return (["c", "p"], [conv, equal, try Guard.axis("c", size: dm("C")).and(try Guard.axis("p", size: dm("K")))], factors)
  }

  /// The text after the frame's `(S n G ` is the same under the guard and under the pin.
  @Test func aKeyAfterItsGuardIsTheSame() throws {
    let (bs, guards, factors) = try cases()
    let pin = try Term.pinning(bs)
    let pinned = try c(1).key(under: bs, pin).dropLast(3)  // `q1)`
    for g in guards {
      let framed = try c(1).key(under: bs, g).dropLast(3)
      #expect(framed != pinned)
      for t in factors {
        let (full, short) = (try t.key(under: bs, g), try t.key(under: bs, pin))
        #expect(full.hasPrefix(framed) && short.hasPrefix(pinned))
        #expect(full.dropFirst(framed.count) == short.dropFirst(pinned.count), "\(t)")
      }
    }
  }

  /// Any two factors compare alike either way, and so do the merge keys of monomials built from
  /// them (old keys: the factors under the guard).
  @Test func factorsAndMonomialsCompareAsUnderTheirGuard() throws {
    let (bs, guards, factors) = try cases()
    let pin = try Term.pinning(bs)
    for g in guards {
      for a in factors {
        for b in factors {
          let (fa, fb) = (try a.key(under: bs, g), try b.key(under: bs, g))
          let (pa, pb) = (try a.key(under: bs, pin), try b.key(under: bs, pin))
          #expect((fa < fb) == (pa < pb) && (fa == fb) == (pa == pb), "\(a) \(b)")
        }
      }
      // Monomials of two or three of the factors (one factor twice: equal keys side by side).
      var monomials: [Monomial] = []
      for (i, a) in factors.enumerated() {
        for b in factors[i...] {
          for extra in [nil, factors[0]] {
            var m = Monomial()
            (m.binders, m.guardTerm) = (bs, g)
            m.factors = [(a, 1), (b, 1)] + (extra.map { [($0, 1)] } ?? [])
            monomials.append(m)
          }
        }
      }
      func guarded(_ m: Monomial) throws -> String {
        let parts = try m.factors.map { try $0.atom.key(under: bs, g) }.sorted().joined(separator: " ")
        return "\(bs.count) [] \(try c(1).key(under: bs, g)) \(parts)"
      }
      let keys = try monomials.map { (old: try guarded($0), new: try $0.mergeKey()) }
      for a in keys {
        for b in keys { #expect((a.old < b.old) == (a.new < b.new) && (a.old == b.old) == (a.new == b.new)) }
      }
      // The factors sorted as under the guard (`canonicalOrder`'s ties still print it).
      for m in monomials {
        let sorted = try Normalizer.sortedFactors(m, bs).map { $0.factor.atom }
        #expect(sorted == (try Normalizer.sortedFactors(m, bs, printingGuard: true).map { $0.factor.atom }))
      }
    }
  }
}
