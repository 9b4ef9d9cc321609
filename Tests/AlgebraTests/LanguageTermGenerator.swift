import Evaluation
import Exact
import ProofKernel
@testable import Algebra

/// Seeded random terms and formulas over `LanguageFixtures.document` (dimensions n, m; tensors
/// x[n], y[m], A[n, m], s, dx[n], dy[m]; definitions f[p: n] and g; constant eps), using every
/// former, with the free indices i and j.
struct LanguageTermGenerator {
  typealias F = LanguageFixtures
  var rng: SplitMix64
  var counter = 0

  init(seed: UInt64) { rng = SplitMix64(seed: seed) }

  mutating func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
  mutating func chance(_ percent: Int) -> Bool { pick(100) < percent }
  mutating func element<T>(_ xs: [T]) -> T { xs[pick(xs.count)] }

  mutating func rational() -> Rational {
    chance(50) ? Rational(pick(11) - 5) : Rational(pick(15) - 7, pick(3) + 2)
  }

  /// An affine expression over the indices in scope and the dimensions.
  mutating func affine(_ scope: [String]) -> Affine {
    var terms: [(Variable, Int)] = []
    for v in scope.map(Variable.index) + [.dimension("n"), .dimension("m")] where chance(scope.isEmpty ? 40 : 30) {
      terms.append((v, element([-2, -1, 1, 1, 1, 2, 3])))
    }
    if terms.isEmpty, let v = scope.isEmpty ? nil : element(scope), chance(80) { terms = [(.index(v), 1)] }
    return try! Affine(constant: chance(50) ? 0 : pick(7) - 3, terms)
  }

  /// A guard with one to three constraints (equalities among them) over the scope.
  mutating func randomGuard(_ scope: [String]) -> Guard {
    var nonNegative: [Affine] = [], equal: [Affine] = []
    for _ in 0...pick(3) {
      if chance(30) { equal.append(affine(scope)) } else { nonNegative.append(affine(scope)) }
    }
    return try! Guard(nonNegative: nonNegative, equal: equal)
  }

  mutating func binderName() -> String {
    counter += 1
    return chance(20) ? element(["k", "l", "i"]) : "k\(counter)"
  }

  mutating func size() -> Affine { element([F.dimension("n"), F.dimension("m"), try! F.dimension("n").plus(.constant(1)), .constant(3)]) }

  mutating func sum(_ depth: Int, _ scope: [String], derivatives: Bool) -> Term {
    var binders = [binderName()]
    if chance(30) {
      let second = binderName()
      if second != binders[0] { binders.append(second) }
    }
    var g = Guard.true
    for (k, b) in binders.enumerated() {
      if k == 1, chance(30) {
        // Bounded by an equality with the first binder instead of a range.
        g = try! g.and(Guard(equal: [Affine(constant: pick(3) - 1, [(.index(b), 1), (.index(binders[0]), -1)])]))
      } else {
        g = try! g.and(Guard.axis(b, size: size()))
      }
    }
    if chance(40) { g = try! g.and(randomGuard(scope + binders)) }
    return (try? Term.sum(binders, g, term(depth - 1, scope + binders, derivatives: derivatives))) ?? .zero
  }

  mutating func access(_ scope: [String]) -> Term {
    let t = F.tensor(element(["x", "y", "A", "s", "dx", "dy"]))
    return try! .access(t, t.shape.map { _ in affine(scope) })
  }

  mutating func term(_ depth: Int, _ scope: [String], derivatives: Bool = true) -> Term {
    let leaves = 6
    switch pick(depth <= 0 ? leaves : leaves + (derivatives ? 10 : 7)) {
    case 0: return .constant(rational())
    case 1: return try! .dimension(element(["n", "m"]))
    case 2: return try! .named(element(["eps", "pi"]))
    case 3: return access(scope)
    case 4: return .bracket(randomGuard(scope))
    case 5: return chance(50) ? try! .reference(F.definition("g"), []) : try! .reference(F.definition("f"), [affine(scope)])
    case 6, 7: return sum(depth, scope, derivatives: derivatives)
    case 8: return .add((0...pick(2) + 1).map { _ in term(depth - 1, scope, derivatives: derivatives) })
    case 9: return .mul((0...pick(2) + 1).map { _ in term(depth - 1, scope, derivatives: derivatives) })
    case 10:
      let exponents = [Rational(2), Rational(3), Rational(0), Rational(-1), Rational(1, 2), Rational(-3, 2), Rational(1, 3)]
      return .power(term(depth - 1, scope, derivatives: derivatives), element(exponents))
    case 11, 12: return .apply(element(ScalarFunction.allCases), term(depth - 1, scope, derivatives: derivatives))
    case 13:
      let x = F.tensor(element(["x", "A", "s"]))
      return try! .vjp(term(depth - 1, [], derivatives: false), binders: [], shape: [], wrt: x, seed: nil,
                       at: x.shape.map { _ in affine(scope) })
    case 14:
      let x = F.tensor(element(["x", "A", "y"]))
      let (binders, seed): ([String], String) = element([(["o"], "dy"), (["o", "p"], "A"), ([], "s")])
      let seedTensor = F.tensor(seed)
      return try! .vjp(term(depth - 1, binders, derivatives: false), binders: binders, shape: seedTensor.shape,
                       wrt: x, seed: seedTensor, at: x.shape.map { _ in affine(scope) })
    default:
      return try! .derivative(term(depth - 1, scope), F.tensor("x"), along: F.tensor("dx"))
    }
  }

  mutating func formula(_ depth: Int, _ scope: [String]) -> Proposition {
    switch pick(depth <= 0 ? 4 : 6) {
    case 0: return .equal(term(2, scope), term(2, scope))
    case 1: return .nonZero(term(2, scope))
    case 2: return .positive(term(2, scope))
    case 3: return .holds(chance(90) ? randomGuard(scope) : element([.true, .false]))
    default:
      let b = binderName()
      let g = chance(80) ? try! Guard.axis(b, size: size()) : randomGuard(scope + [b])
      return try! .quantified([b], g, formula(depth - 1, scope + [b]))
    }
  }
}

extension Term {
  /// True when some sum has a sum as its first operand: the one shape the kernel's own printing
  /// does not tell apart (`(a + b) + c` and `a + b + c` both print as `a + b + c`).
  var hasNestedFirstOperand: Bool {
    switch node {
    case let .add(ts):
      if case .add = ts[0].node { return true }
      return ts.contains { $0.hasNestedFirstOperand }
    case let .vjp(v): return v.output.hasNestedFirstOperand
    default: return children.contains { $0.hasNestedFirstOperand }
    }
  }
}
