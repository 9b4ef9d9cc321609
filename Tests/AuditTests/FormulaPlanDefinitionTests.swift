import Audit
import Evaluation
import Exact
import Intervals
import ProofKernel
import Testing

/// Plans of formulas that reference local definitions read tables filled once per binding: the
/// value is the unfolded one (the exact evaluator's), a rebinding refills the tables, and a
/// reference outside its definition's shape is refused rather than read as 0.
@Suite struct FormulaPlanDefinitionTests {
  static let n = try! Affine.dimension("n")
  static func ix(_ name: String) -> Affine { try! .index(name) }
  static let x = try! TensorSymbol("x", shape: [n])
  /// `sq[i: n] = x[i] * x[i] + 1`, `w[i: n] = sq[i] * x[i]` (a definition reading another).
  static let sq = try! Definition("sq", parameters: ["i"], shape: [n], body: .add([.mul([try! .access(x, [ix("i")]), try! .access(x, [ix("i")])]), .integer(1)]))
  static let w = try! Definition("w", parameters: ["i"], shape: [n], body: .mul([try! .reference(sq, [ix("i")]), try! .access(x, [ix("i")])]))

  static func values(_ xs: [Rational]) -> IntervalVector {
    let v = IntervalVector(count: xs.count, precision: 128)
    for (k, r) in xs.enumerated() { v.set(k, to: r) }
    return v
  }

  @Test func referencesReadTablesOfTheUnfoldedValues() throws {
    // y[k] = sum(j: n) w[j] * sq[k]: both tables, one inside a sum.
    let term = try Term.sum(["j"], try .axis("j", size: Self.n), .mul([try .reference(Self.w, [Self.ix("j")]), try .reference(Self.sq, [Self.ix("k")])]))
    let size = 3
    let plan = try FormulaPlan<IntervalVector>(term, rule: "test", freeIndices: ["k"], tensors: ["x": [size]], dimensions: ["n": size], precision: 128)
    #expect(plan.tensorNames == ["x"])
    let out = IntervalVector(count: 1, precision: 128)
    for xs in [[Rational(1), Rational(-2), Rational(1, 3)], [Rational(5), Rational(0), Rational(-7, 2)]] {
      plan.bind("x", to: Self.values(xs))  // a new binding: the tables are refilled
      let tensors = ["x": try TensorValue(shape: [size], values: xs)]
      for k in 0..<size {
        try plan.evaluate(at: [k], into: out, 0)
        var evaluator = ExactEvaluator(Environment(dimensions: ["n": size], indices: ["k": k], tensors: tensors))
        let exact = try evaluator.value(of: term)
        #expect(out.contains(0, exact) && out[0].width < Rational(1, 1 << 60), "k = \(k): \(out[0]) vs \(exact)")
      }
    }
  }

  @Test func aReferenceOutsideItsShapeIsRefused() throws {
    // sum(j: n) sq[j + 1]: at j = n - 1 the unfolded body is 1 (x is 0 there), a table would read 0.
    let term = try Term.sum(["j"], try .axis("j", size: Self.n), try .reference(Self.sq, [try Self.ix("j").plus(.constant(1))]))
    let plan = try FormulaPlan<IntervalVector>(term, rule: "test", freeIndices: [], tensors: ["x": [2]], dimensions: ["n": 2], precision: 64)
    plan.bind("x", to: Self.values([Rational(1), Rational(2)]))
    let out = IntervalVector(count: 1, precision: 64)
    #expect(throws: GradientAuditError.self) { try plan.evaluate(at: [], into: out, 0) }
  }
}
