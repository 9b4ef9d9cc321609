import Audit
import Evaluation
import Exact
import Intervals
import ProofKernel
import Testing

/// Plans of sums over guards beyond the layer rules' ranges (deltas, triangles, strides, reads
/// outside the shape) enclose the exact evaluator's value at every size from 1 to 4: the plan's
/// loops are the lowering's, which visit each point of a guard once.
@Suite struct FormulaPlanSumTests {
  @Test func plansOfGuardedSumsAgreeWithExactEvaluation() throws {
    let n = try Affine.dimension("n")
    func ix(_ name: String) -> Affine { try! .index(name) }
    func lin(_ constant: Int, _ terms: (Affine, Int)...) -> Affine {
      terms.reduce(Affine.constant(constant)) { try! $0.plus($1.0.scaled(by: $1.1)) }
    }
    let x = try TensorSymbol("x", shape: [n]), y = try TensorSymbol("y", shape: [n])
    func at(_ t: TensorSymbol, _ e: Affine) -> Term { try! .access(t, [e]) }
    let triangle = try Guard(nonNegative: [ix("i"), lin(0, (ix("j"), 1), (ix("i"), -1)), ix("j"), lin(-1, (n, 1), (ix("j"), -1))])
    // 0 <= 2i + p < n with p in {0, 1}: a coefficient 2, which the plan's former loops refused.
    let strided = try Guard(nonNegative: [ix("p"), lin(1, (ix("p"), -1)), ix("i"), lin(-1, (n, 1), (ix("i"), -2), (ix("p"), -1))])
    let delta = try Guard(nonNegative: [ix("i"), lin(-1, (n, 1), (ix("i"), -1))], equal: [lin(0, (ix("i"), 1), (ix("j"), -1))])
    let terms: [Term] = [
      try .sum(["i", "j"], triangle, .mul([at(x, ix("i")), at(y, ix("j")), .bracket(try Guard(nonNegative: [lin(0, (ix("k"), 1), (ix("i"), -1))]))])),
      try .sum(["i", "p"], strided, .mul([at(x, lin(0, (ix("i"), 2), (ix("p"), 1))), at(y, lin(0, (ix("i"), 1), (ix("k"), 1)))])),
      try .sum(["i", "j"], delta, .mul([at(x, ix("i")), at(y, ix("j"))])),
      try .sum(["i"], try .axis("i", size: lin(1, (n, 1))), .mul([at(x, lin(-1, (ix("i"), 1))), at(y, lin(0, (ix("i"), 1), (ix("k"), 1)))])),
    ]
    for size in 1...4 {
      let xs = (0..<size).map { Rational($0 * 3 - 4, $0 + 1) }, ys = (0..<size).map { Rational(5 - 2 * $0, 3) }
      let vx = IntervalVector(count: size, precision: 128), vy = IntervalVector(count: size, precision: 128)
      for k in 0..<size {
        vx.set(k, to: xs[k])
        vy.set(k, to: ys[k])
      }
      let tensors = ["x": try TensorValue(shape: [size], values: xs), "y": try TensorValue(shape: [size], values: ys)]
      for term in terms {
        let plan = try FormulaPlan<IntervalVector>(term, rule: "test", freeIndices: ["k"], tensors: ["x": [size], "y": [size]], dimensions: ["n": size], precision: 128)
        for name in plan.tensorNames { plan.bind(name, to: name == "x" ? vx : vy) }
        let out = IntervalVector(count: 1, precision: 128)
        for k in 0..<size {
          try plan.evaluate(at: [k], into: out, 0)
          var evaluator = ExactEvaluator(Environment(dimensions: ["n": size], indices: ["k": k], tensors: tensors))
          let exact = try evaluator.value(of: term)
          #expect(out.contains(0, exact), "\(term) at n = \(size), k = \(k): \(out[0]) vs \(exact)")
        }
      }
    }
  }
}
