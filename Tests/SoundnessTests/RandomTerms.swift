import Evaluation
import Exact
import ProofKernel

/// Seeded random terms, formulas and rule arguments for the soundness fuzzer, built only through the
/// kernel's public constructors. Small on purpose: dimensions `n`, `m`; tensors `x[n]`, `y[n]`,
/// `A[n, m]`, a scalar `s`; free indices `i`, `j`; bound indices `k`, `l`; two definitions; guards
/// with ranges that may be empty, reversed or shifted; deltas; powers; every scalar function.
struct RandomTerms {
  /// The identities between functions (Rules+FunctionIdentities.swift).
  static let identities: [Rewrite] = [.sigmoidExp, .tanhSigmoid, .geluErf, .logMul, .logPow, .stepRelu, .stepNeg]

  var random: SplitMix64

  let x = try! TensorSymbol("x", shape: [try! .dimension("n")])
  let y = try! TensorSymbol("y", shape: [try! .dimension("n")])
  let dx = try! TensorSymbol("dx", shape: [try! .dimension("n")])
  let dy = try! TensorSymbol("dy", shape: [try! .dimension("n")])
  let A = try! TensorSymbol("A", shape: [try! .dimension("n"), try! .dimension("m")])
  let s = try! TensorSymbol("s", shape: [])
  let square: Definition
  let act: Definition

  init(seed: UInt64) {
    random = SplitMix64(seed: seed)
    let p = try! Affine.index("p")
    square = try! Definition("sq", parameters: ["p"], shape: [try! .dimension("n")],
                             body: .power(try! .access(x, [p]), Rational(2)))
    act = try! Definition("act", parameters: ["p"], shape: [try! .dimension("n")],
                          body: .apply(.tanh, .add([try! .access(x, [p]), try! .access(y, [p])])))
  }

  mutating func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
  mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
  mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }

  // MARK: - Indices and guards

  /// An index expression over the indices in scope: plain, shifted, scaled, or a dimension-based
  /// constant, sometimes out of any range (`-1`, `n`, `2n`).
  mutating func affine(_ scope: [String]) -> Affine {
    let n = try! Affine.dimension("n")
    var options: [Affine] = [.constant(0), .constant(-1), n, try! n.plus(.constant(-1)), try! n.scaled(by: 2)]
    for v in scope {
      let a = try! Affine.index(v)
      options += [a, a, a, try! a.plus(.constant(1)), try! a.plus(.constant(-1)), try! a.scaled(by: -1).plus(n).plus(.constant(-1))]
    }
    if scope.count >= 2 { options.append(try! Affine.index(scope[0]).plus(.index(scope[1]))) }
    return pick(options)
  }

  /// A range guard for `b`: usually `0 <= b < n`, sometimes empty, reversed, shifted, or bounded by
  /// another index in scope.
  mutating func range(_ b: String, _ scope: [String]) -> Guard {
    let n = try! Affine.dimension("n"), m = try! Affine.dimension("m")
    let lower: Affine, upper: Affine
    switch below(8) {
    case 0: (lower, upper) = (.constant(1), .constant(0))                         // empty
    case 1: (lower, upper) = (n, try! n.plus(.constant(-2)))                       // reversed
    case 2: (lower, upper) = (.constant(0), try! m.plus(.constant(-1)))
    case 3: (lower, upper) = (.constant(1), n)                                     // shifted
    case 4 where !scope.isEmpty: (lower, upper) = (.constant(0), try! Affine.index(pick(scope)))
    default: (lower, upper) = (.constant(0), try! n.plus(.constant(-1)))
    }
    return try! Guard.range(b, from: lower, through: upper)
  }

  /// A guard on free indices: a range, a delta, false, or true.
  mutating func freeGuard(_ scope: [String]) -> Guard {
    let v = scope.isEmpty ? "i" : pick(scope)
    switch below(6) {
    case 0: return .false
    case 1: return .true
    case 2: return try! Guard(equal: [try! Affine.index(v).plus(affine(scope).scaled(by: -1))])
    default: return range(v, scope)
    }
  }

  // MARK: - Terms

  mutating func access(_ scope: [String]) -> Term {
    switch below(5) {
    case 0: return try! .access(y, [affine(scope)])
    case 1: return try! .access(A, [affine(scope), affine(scope)])
    case 2: return try! .access(s, [])
    default: return try! .access(x, [affine(scope)])
    }
  }

  mutating func term(_ scope: [String], depth: Int = 3) -> Term {
    if depth == 0 || chance(20) {
      switch below(8) {
      case 0: return .constant(Rational(below(7) - 3, 1 + below(3)))
      case 1: return try! .dimension(pick(["n", "m"]))
      case 2: return .bracket(freeGuard(scope))
      case 3: return try! .reference(pick([square, act]), [affine(scope)])
      case 4: return try! .named("eps")
      default: return access(scope)
      }
    }
    let d = depth - 1
    switch below(12) {
    case 0, 1: return .add((0..<(2 + below(2))).map { _ in term(scope, depth: d) })
    case 2, 3: return .mul((0..<(2 + below(2))).map { _ in term(scope, depth: d) })
    case 4, 5:
      let b = scope.contains("k") ? "l" : "k"
      let inner = scope + [b]
      var g = range(b, scope)
      if chance(30) { g = try! g.and(freeGuard(inner)) }
      if chance(20), !scope.contains("l") {  // two binders, for sum-split and sum-swap
        let g2 = try! g.and(range("l", inner))
        return (try? Term.sum([b, "l"], g2, term(inner + ["l"], depth: d))) ?? term(scope, depth: d)
      }
      return (try? Term.sum([b], g, term(inner, depth: d))) ?? term(scope, depth: d)
    case 6: return .power(term(scope, depth: d), pick([Rational(2), Rational(3), Rational(-1), Rational(1, 2), Rational(-1, 2), Rational(0)]))
    case 7: return .apply(pick(ScalarFunction.allCases), term(scope, depth: d))
    case 8: return .apply(.log, .apply(.exp, term(scope, depth: d)))
    case 9 where chance(50): return .apply(.exp, .apply(.log, term(scope, depth: d)))
    case 9: return .apply(.step, .apply(pick([.relu, .step]), term(scope, depth: d)))  // step-relu, step-neg
    case 10 where chance(50):
      // A sum with a delta on its index, or a product with a sum (prenex, merge), or x^a * x^b.
      let inner = scope + ["k"]
      let delta = try! Guard(equal: [try! Affine.index("k").plus(affine(scope).scaled(by: -1))])
      switch below(3) {
      case 0: return (try? Term.sum(["k"], range("k", scope).and(delta), term(inner, depth: d))) ?? term(scope, depth: d)
      case 1: return .mul([term(scope, depth: d), (try? Term.sum(["k"], range("k", scope), term(inner, depth: d))) ?? .one])
      default:
        let base = term(scope, depth: 1)
        return .mul([.power(base, pick([Rational(2), Rational(-1), Rational(1, 2)])), pick([base, .power(base, Rational(-1))])])
      }
    case 10: return .power(.power(term(scope, depth: d), pick([Rational(2), Rational(-1), Rational(1, 2)])), pick([Rational(2), Rational(-1), Rational(1, 2)]))
    default:
      // A derivative of a small term along dx, or a term with a bracket factor.
      if chance(50), let t = try? Term.derivative(term(scope, depth: min(d, 2)), x, along: dx) { return t }
      return .mul([.bracket(freeGuard(scope)), term(scope, depth: d)])
    }
  }

  // MARK: - Formulas

  mutating func formula(_ scope: [String]) -> Proposition {
    switch below(5) {
    case 0: return .holds(freeGuard(scope))
    case 1, 2:
      let b = "k"
      let scaled = Term.mul([.constant(Rational(below(5) - 2)), access(scope + [b])])
      let body: Proposition = chance(50) ? .equal(access(scope + [b]), term(scope + [b], depth: 1))
        : chance(50) ? (chance(50) ? .nonZero(access(scope + [b])) : .nonZero(scaled)) : .holds(freeGuard(scope + [b]))
      return (try? Proposition.quantified([b], chance(15) ? .false : range(b, scope), body)) ?? body
    case 3: return chance(50) ? .nonZero(term(scope, depth: 1)) : .positive(chance(50) ? term(scope, depth: 1) : .mul([.constant(Rational(below(5) - 2)), access(scope)]))
    default: return .equal(access(scope), term(scope, depth: 1))
    }
  }

  // MARK: - Rule arguments

  /// A local rule with random arguments suited to `t` (the bound names of `t`'s sum, when it is one).
  mutating func rewrite(for t: Term, scope: [String]) -> Rewrite {
    var binders: [String] = []
    if case let .sum(bs, _, _) = t.node { binders = bs }
    let b = binders.isEmpty ? "k" : pick(binders)
    // Mostly a rule that fits the former at hand, so that rules are reached often; sometimes any.
    if chance(75) {
      switch t.node {
      case .derivative: return .jvp
      case let .sum(_, _, body) where body.node.isAddNode && chance(50): return .sumLinear
      case .sum:
        return pick([.sumLinear, .sumMerge, .sumSplit(1 + below(2)), .sumGuard, .deltaElim(b), .sumCount(b),
                     .sumSwap(binders.shuffled(using: &random)), .sumCases(affine(scope + binders)), .changeOfVariables(b, to: pick([b, "u"]), sign: pick([1, -1]), offset: affine(scope + binders))])
      case .mul: return pick([.sumPrenex(factor: below(3)), .bracketMerge, .powMerge, .ring(ringTarget(t, scope: scope))])
      case .power: return pick([.powPow, .powMul, .ring(ringTarget(t, scope: scope))])
      case .apply: return pick([.logExp, .expLog, .expAdd] + RandomTerms.identities)
      case .access: return .zeroExt
      case .reference: return .unfold
      default: break
      }
    }
    switch below(21) {
    case 0, 1, 2: return .ring(ringTarget(t, scope: scope))
    case 3: return .sumLinear
    case 4: return .sumPrenex(factor: below(3))
    case 5: return .sumMerge
    case 6: return .sumSplit(below(3))
    case 7: return .sumGuard
    case 8: return chance(50) ? .bracketMerge : .sumCases(affine(scope + binders))
    case 9: return .deltaElim(b)
    case 10: return .changeOfVariables(b, to: pick([b, "u", "i"]), sign: pick([1, -1, 2]), offset: affine(scope + binders))
    case 11: return .sumSwap(binders.shuffled(using: &random))
    case 12: return .sumCount(b)
    case 13: return .zeroExt
    case 14: return .unfold
    case 15, 16: return .jvp
    case 17: return .powMerge
    case 18: return .powPow
    case 19: return .powMul
    default: return pick([.logExp, .expLog, .expAdd] + RandomTerms.identities)
    }
  }

  /// A target for `ring`: usually an equal rearrangement of `t`, sometimes a random term (which the
  /// kernel should refuse unless it happens to be equal).
  mutating func ringTarget(_ t: Term, scope: [String]) -> Term {
    let r = term(scope, depth: 1)
    switch below(6) {
    case 0: return .add([t, .mul([.constant(Rational(below(5) + 1)), r]), .mul([.constant(-Rational(below(5) + 1)), r])])
    case 1:
      let n = try! Term.dimension("n")
      return .mul([.one, t, .power(n, Rational(1, 2)), .power(n, Rational(-1, 2))])
    case 2: if case let .add(ts) = t.node { return .add(ts.reversed()) } else { return .add([.zero, t]) }
    case 3: if case let .mul(ts) = t.node, ts.count >= 2 { return .mul(ts.reversed()) } else { return .mul([t, t]) }
    case 4: return .add([t, .one])
    default: return r
    }
  }
}

extension Term {
  /// Every position in the term (paths of child numbers), with the bound indices in scope there.
  func positions(_ prefix: [Int] = [], scope: [String] = []) -> [([Int], [String])] {
    var inner = scope
    if case let .sum(bs, _, _) = node { inner += bs }
    var out = [(prefix, scope)]
    for (k, c) in children.enumerated() { out += c.positions(prefix + [k], scope: inner) }
    return out
  }
}

extension Term.Node {
  var isAddNode: Bool { if case .add = self { return true } else { return false } }
}
