import Evaluation
import Exact
import ProofKernel
import Testing

/// The exact evaluator and the dual-number evaluator over rationals are two readings of one
/// meaning: on random terms (sums over axis, triangle, jointly bounded, strided and diagonal guards,
/// brackets, accesses outside the shape, zero factors beside undefined ones, powers, references,
/// `relu` and `exp` where exact) they give the same value, or fail the same way. (`step` is left out:
/// at 0 the exact evaluator chooses 0 and the dual one refuses, a documented difference.)
@Suite struct EvaluatorAgreementTests {
  @Test func exactAndDualAgreeOnRandomTerms() throws {
    var random = SplitMix64(seed: 0x5EED_0015)
    var generator = TermGenerator()
    var compared = 0, values = 0
    for _ in 0..<250 {
      let t = generator.term(depth: 4, bound: [], using: &random)
      let size = Int.random(in: 1...4, using: &random)
      let draw = { (g: inout SplitMix64) in Rational(Int.random(in: -3...3, using: &g), Int.random(in: 1...3, using: &g)) }
      let env = Environment(
        dimensions: ["n": size], indices: ["k": Int.random(in: -1...4, using: &random)],
        tensors: [
          "x": try TensorValue(shape: [size], values: (0..<size).map { _ in draw(&random) }),
          "y": try TensorValue(shape: [size], values: (0..<size).map { _ in draw(&random) }),
        ])
      var exact = ExactEvaluator(env)
      var dual = DualEvaluator<Rational>(env)
      let a = Result { try exact.value(of: t) }, b = Result { try dual.value(of: t) }
      switch (a, b) {
      case let (.success(u), .success(v)):
        #expect(u == v, "\(t) at \(env.dimensions), k = \(env.indices["k"]!)")
        values += 1
      case let (.failure(e), .failure(f)):
        #expect("\(e)" == "\(f)", "\(t)")
      default:
        Issue.record("\(t): exact \(a), dual \(b)")
      }
      compared += 1
    }
    #expect(values > 120, "too few terms have values: \(values) of \(compared)")
  }
}

/// Random kernel terms over `x[n]`, `y[n]`, the free index `k` and the bound indices in scope.
private struct TermGenerator {
  let x = vector("x"), y = vector("y")
  var fresh = 0
  var definitions: [Definition] = []

  mutating func term(depth: Int, bound: [String], using g: inout SplitMix64) -> Term {
    let indices = ["k"] + bound
    func index(_ g: inout SplitMix64) -> Affine {
      let v = indices.randomElement(using: &g)!
      return affine(Int.random(in: -1...1, using: &g), (i(v), Int.random(in: 1...2, using: &g)))
    }
    let leaf = depth == 0 ? Int.random(in: 0..<4, using: &g) : Int.random(in: 0..<13, using: &g)
    switch leaf {
    case 0: return q(Int.random(in: -2...3, using: &g), Int.random(in: 1...2, using: &g))
    case 1: return at(Bool.random(using: &g) ? x : y, index(&g))
    case 2: return dim("n")
    case 3: return .bracket(try! Guard(nonNegative: [index(&g), minus(plus(d("n"), -1), index(&g))]))
    case 4, 5:
      let b = "b\(fresh)"
      fresh += 1
      let body = term(depth: depth - 1, bound: bound + [b], using: &g)
      return sum(b, d("n"), body)
    case 6:
      // Two binders over a triangle, a jointly bounded triangle, a stride or a diagonal.
      let (p, s) = ("p\(fresh)", "s\(fresh)")
      fresh += 1
      let n = d("n")
      let guards: [Guard] = [
        try! Guard(nonNegative: [i(p), minus(i(s), i(p)), i(s), minus(plus(n, -1), i(s))]),
        try! Guard(nonNegative: [i(p), minus(i(s), i(p)), minus(plus(n, -1), i(s))]),
        try! Guard(nonNegative: [i(s), minus(c(1), i(s)), i(p), affine(-1, (n, 1), (i(p), -2), (i(s), -1))]),
        try! Guard(nonNegative: [i(p), minus(plus(n, -1), i(p))], equal: [minus(i(p), i(s))]),
      ]
      let body = term(depth: depth - 1, bound: bound + [p, s], using: &g)
      return try! .sum([p, s], guards.randomElement(using: &g)!, body)
    case 7, 8:
      let count = Int.random(in: 2...3, using: &g)
      return .add((0..<count).map { _ in term(depth: depth - 1, bound: bound, using: &g) })
    case 9, 10:
      let count = Int.random(in: 2...3, using: &g)
      return .mul((0..<count).map { _ in term(depth: depth - 1, bound: bound, using: &g) })
    case 11:
      let exponent = [Rational(2), Rational(-1), Rational(3), Rational(1, 2)].randomElement(using: &g)!
      return .power(term(depth: depth - 1, bound: bound, using: &g), exponent)
    default:
      if Bool.random(using: &g) {
        let f: ScalarFunction = Bool.random(using: &g) ? .relu : .exp
        return .apply(f, term(depth: depth - 1, bound: bound, using: &g))
      }
      // A reference to a definition over one parameter, at an index in scope.
      let name = "def\(definitions.count)"
      let body = term(depth: depth - 1, bound: ["m"], using: &g).renamingFree("k", to: "m")
      let definition = try! Definition(name, parameters: ["m"], shape: [d("n")], body: body)
      definitions.append(definition)
      return try! .reference(definition, [index(&g)])
    }
  }
}

extension Term {
  /// The term with its free index `old` read as `new` (the body of a definition mentions no index
  /// but its parameters).
  fileprivate func renamingFree(_ old: String, to new: String) -> Term {
    guard freeIndices.contains(old) else { return self }
    return try! substituting([old: i(new)])
  }
}
