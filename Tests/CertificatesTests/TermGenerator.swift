import Exact
import ProofKernel

/// A seeded generator of well-formed terms and formulas covering every `Term.Node` case (vjp and
/// derivative included, references to definitions that refer to others) and every `Proposition` case,
/// for round trips through the reader.
struct TermGenerator {
  var state: UInt64

  let dimensions = ["n", "m", "p"]
  let x = tensor("x", "n"), dx = tensor("dx", "n"), dy = tensor("dy", "n")
  let A = tensor("A", "n", "m"), dA = tensor("dA", "n", "m")
  let z = try! TensorSymbol("z", shape: [])
  let odd = try! TensorSymbol("_w2'", shape: [try! Affine(constant: 1, [(.dimension("n"), 2), (.dimension("m"), -1)])])

  /// Named so that each refers to one listed after it by name (`Theorem.serialized` sorts by name).
  let base: Definition
  let middle: Definition
  let top: Definition

  init(seed: UInt64) {
    state = seed
    base = try! Definition("w_base", parameters: ["p0"], shape: [dm("n")], body: .apply(.tanh, access(x, "p0")))
    middle = try! Definition(
      "b_mid", parameters: ["a", "b"], shape: [dm("n"), dm("m")],
      body: .mul([try! .reference(base, [ix("a")]), access(A, "a", "b")]))
    top = try! Definition("a_top", parameters: [], shape: [], body: total("i", "n", try! .reference(middle, [ix("i"), .constant(0)])))
  }

  var definitions: [String: Definition] { [base.name: base, middle.name: middle, top.name: top] }

  mutating func next(_ bound: Int) -> Int {  // SplitMix64
    state &+= 0x9E37_79B9_7F4A_7C15
    var v = state
    v = (v ^ (v >> 30)) &* 0xBF58_476D_1CE4_E5B9
    v = (v ^ (v >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int((v ^ (v >> 31)) % UInt64(bound))
  }

  mutating func pick<T>(_ xs: [T]) -> T { xs[next(xs.count)] }

  mutating func rational() -> Rational {
    switch next(4) {
    case 0: return Rational(next(7) - 3)
    case 1: return Rational(next(9) - 4, next(5) + 1)
    case 2: return Rational(Integer(10).power(UInt(20 + next(20))), Integer(next(1000) + 1))
    default: return Rational(-(next(1_000_000) + 1), 7)
    }
  }

  mutating func affine(_ scope: [String], dimensionOnly: Bool = false) -> Affine {
    var parts: [(Variable, Int)] = []
    if !dimensionOnly { for v in scope where next(2) == 0 { parts.append((.index(v), next(7) - 3)) } }
    if next(3) == 0 { parts.append((.dimension(pick(dimensions)), next(5) - 2)) }
    let constant = next(10) == 0 ? 1_000_000_007 * (next(3) - 1) : next(7) - 3
    return try! Affine(constant: constant, parts)
  }

  mutating func guardOver(_ scope: [String]) -> Guard {
    let ge = (0..<next(3)).map { _ in affine(scope) }
    let eq = (0..<(next(3) == 0 ? 1 : 0)).map { _ in affine(scope) }
    return (try? Guard(nonNegative: ge, equal: eq)) ?? .true
  }

  /// A sum's binders, fresh or shadowing, and a guard bounding them (ranges, maybe a diagonal).
  mutating func binders(_ scope: [String]) -> ([String], Guard) {
    let names = ["i", "j", "k", "i'", "q_1"]
    var bs = [pick(names)]
    if next(3) == 0, case let b = pick(names), !bs.contains(b) { bs.append(b) }
    var g = Guard.true
    for b in bs { g = try! g.and(.axis(b, size: dm(pick(dimensions)))) }
    if next(3) == 0 {
      let extra = affine(scope + bs)
      g = (try? g.and(Guard(nonNegative: [extra]))) ?? g
    }
    if bs.count == 2, next(2) == 0 {
      g = (try? g.and(Guard(equal: [try! Affine([(.index(bs[0]), 1), (.index(bs[1]), -1)])]))) ?? g
    }
    return (bs, g)
  }

  mutating func term(depth: Int, scope: [String], derivatives: Bool = true) -> Term {
    let kinds = depth <= 0 ? 6 : 16
    switch next(kinds) {
    case 0: return .constant(rational())
    case 1: return try! .dimension(pick(dimensions))
    case 2: return try! .named(pick(["pi", "eps"]))
    case 3: return try! .access(x, [affine(scope)])
    case 4:
      switch next(3) {
      case 0: return try! .access(A, [affine(scope), affine(scope)])
      case 1: return try! .access(z, [])
      default: return try! .access(odd, [affine(scope)])
      }
    case 5: return .bracket(guardOver(scope))
    case 6, 7:
      let (bs, g) = binders(scope)
      return (try? .sum(bs, g, term(depth: depth - 1, scope: scope + bs, derivatives: derivatives))) ?? .zero
    case 8: return .add((0..<(2 + next(2))).map { _ in term(depth: depth - 1, scope: scope, derivatives: derivatives) })
    case 9: return .mul((0..<(2 + next(2))).map { _ in term(depth: depth - 1, scope: scope, derivatives: derivatives) })
    case 10: return .power(term(depth: depth - 1, scope: scope, derivatives: derivatives), rational())
    case 11: return .apply(pick(ScalarFunction.allCases), term(depth: depth - 1, scope: scope, derivatives: derivatives))
    case 12:
      switch next(4) {
      case 0: return try! .reference(base, [affine(scope)])
      case 1: return try! .reference(middle, [affine(scope), affine(scope)])
      case 2: return try! .reference(top, [])
      default: return try! .access(odd, [affine(scope)])
      }
    case 13 where derivatives:
      let (v, d) = next(2) == 0 ? (x, dx) : (A, dA)
      return try! .derivative(term(depth: depth - 1, scope: scope, derivatives: false), v, along: d)
    case 14 where derivatives:
      if next(2) == 0 {  // vjp(o: n -> y(o), wrt, dy)[at]
        let output = term(depth: depth - 1, scope: ["o"], derivatives: false)
        let wrt = next(2) == 0 ? x : A
        return try! .vjp(output, binders: ["o"], shape: [dm("n")], wrt: wrt, seed: dy, at: wrt.shape.map { _ in affine(scope) })
      }
      let output = term(depth: depth - 1, scope: [], derivatives: false)  // grad(L, x)[at]
      return try! .vjp(output, binders: [], shape: [], wrt: x, seed: nil, at: [affine(scope)])
    default: return try! .access(x, [affine(scope)])
    }
  }

  mutating func formula(depth: Int, scope: [String]) -> Proposition {
    switch next(depth <= 0 ? 4 : 6) {
    case 0: return .equal(term(depth: 2, scope: scope), term(depth: 2, scope: scope))
    case 1: return .nonZero(term(depth: 2, scope: scope))
    case 2: return .positive(term(depth: 2, scope: scope))
    case 3: return .holds(next(8) == 0 ? pick([Guard.true, Guard.false]) : guardOver(scope))
    default:
      let (bs, g) = binders(scope)
      return try! .quantified(bs, next(4) == 0 ? .true : g, formula(depth: depth - 1, scope: scope + bs))
    }
  }
}
