import Evaluation
import Exact
import ProofKernel
import Testing

// The front end shared by the back ends: slots, affine indices, loop plans, accesses, sharing and
// refusals; and a small exact back end over the lowered form held to `ExactEvaluator`.

@Suite struct LoweringTests {
  let x = vector("x"), y = vector("y")

  @Test func affineSubstitutesDimensionsAndSlots() throws {
    var lowering = Lowering(dimensions: ["n": 4])
    let s = lowering.newSlot()
    let e = try lowering.affine(affine(-1, (i("i"), 2), (d("n"), 1)), ["i": s])  // 2i + n - 1
    #expect(e == LoweredAffine(constant: 3, slots: [s], coefficients: [2]))
    var values = [5]
    #expect(e.value(&values) == 13)
  }

  @Test func accessesAreOffsetsWithZeroExtension() throws {
    let w = try TensorSymbol("w", shape: [d("m"), d("n")])
    var lowering = Lowering(dimensions: ["m": 2, "n": 3])
    let (a, b) = (lowering.newSlot(), lowering.newSlot())
    let t = try lowering.lower(at(w, i("a"), minus(i("b"), c(1))), ["a": a, "b": b])  // w[a, b - 1]
    guard case let .access(access) = t.node else { Issue.record("not an access: \(t.node)"); return }
    #expect(access.tensor == "w" && access.shape == [2, 3] && access.strides == [3, 1])
    var values = [1, 3]
    #expect(access.offset(&values) == 5)  // w[1, 2]
    values = [1, 0]
    #expect(access.offset(&values) == nil)  // w[1, -1]: outside, 0
    values = [2, 1]
    #expect(access.offset(&values) == nil)  // w[2, 0]: outside, 0
  }

  /// A subterm met twice over the same slots is one node, and distinct nodes have distinct ids
  /// (the back ends memoize by id).
  @Test func repeatedSubtermsAreOneNode() throws {
    var lowering = Lowering(dimensions: ["n": 3])
    let s = lowering.newSlot()
    let sig = apply(.sigmoid, at(x, i("i")))
    let t = try lowering.lower(at(x, i("i")) * sig + sig, ["i": s])
    guard case let .add(terms) = t.node, case let .mul(factors) = terms[0].node else { Issue.record("\(t.node)"); return }
    #expect(factors[1] === terms[1])
    let ids = [t.id, terms[0].id, terms[1].id, factors[0].id]
    #expect(Set(ids).count == ids.count)
    #expect(t.reads == [s])
  }

  @Test func falseGuardsLowerToZero() throws {
    var lowering = Lowering(dimensions: ["n": 3])
    let t = try lowering.lower(.bracket(.false), [:])
    guard case let .constant(q) = t.node else { Issue.record("\(t.node)"); return }
    #expect(q.isZero)
    #expect(try lowering.constraints(.false, [:]) == [.never])
  }

  @Test func refusalsNameWhatFailed() throws {
    var lowering = Lowering(dimensions: ["n": 3], unfoldsReferences: false)
    #expect(throws: LoweringError.unknownDimension("m")) { try lowering.lower(at(vector("z", "m"), c(0)), [:]) }
    #expect(throws: LoweringError.unboundIndex("i")) { try lowering.lower(at(x, i("i")), [:]) }
    let square = try Definition("square", parameters: ["k"], shape: [d("n")], body: at(x, i("k")) * at(x, i("k")))
    #expect(throws: LoweringError.reference("square")) { try lowering.lower(try .reference(square, [c(0)]), [:]) }
    // 0 <= i <= j < n without j >= 0: bounded only jointly, so no nesting order has finite loops.
    let triangle = try Guard(nonNegative: [i("i"), minus(i("j"), i("i")), minus(plus(d("n"), -1), i("j"))])
    let jointly = try Term.sum(["i", "j"], triangle, q(1))
    #expect(throws: LoweringError.jointlyBounded(binders: ["i", "j"], guard: "\(triangle)")) { try lowering.lower(jointly, [:]) }
  }

  @Test func referencesUnfoldWhenAsked() throws {
    var lowering = Lowering(dimensions: ["n": 3])
    let square = try Definition("square", parameters: ["k"], shape: [d("n")], body: at(x, i("k")) * at(x, i("k")))
    let t = try lowering.lower(try .reference(square, [c(1)]), [:])
    guard case .mul = t.node else { Issue.record("\(t.node)"); return }
  }

  /// Sums, guards and accesses evaluated over the lowered form agree with `ExactEvaluator` on the
  /// same terms at every size from 1 to 4: every point of each guard is visited once.
  @Test func aBackEndOverTheLoweredFormAgreesWithExactEvaluation() throws {
    let n = d("n")
    let delta = try Guard(nonNegative: [i("i"), minus(plus(n, -1), i("i"))], equal: [minus(i("i"), i("j"))])
    let triangle = try Guard(nonNegative: [i("i"), minus(i("j"), i("i")), i("j"), minus(plus(n, -1), i("j"))])
    let strided = try Guard(nonNegative: [i("p"), minus(c(1), i("p")), i("i"), affine(-1, (n, 1), (i("i"), -2), (i("p"), -1))])
    let terms: [Term] = [
      sum("i", n, at(x, i("i")) * at(y, i("i"))),
      try .sum(["i", "j"], delta, at(x, i("i")) * at(y, i("j"))),
      try .sum(["i", "j"], triangle, at(x, i("i")) * at(y, i("j"))),
      try .sum(["i", "p"], strided, at(x, affine(0, (i("i"), 2), (i("p"), 1))) + q(1, 3)),  // 0 <= 2i + p < n
      sum("i", plus(n, 1), at(x, minus(i("i"), c(1))) * at(y, i("i"))),  // reads outside both shapes
      sum("j", n, .bracket(try Guard(nonNegative: [minus(i("j"), c(1))])) * pow(at(y, i("j")), 2) * dim("n")),
    ]
    for size in 1...4 {
      let xs = (0..<size).map { Rational($0 * 3 - 4, $0 + 1) }, ys = (0..<size).map { Rational(5 - 2 * $0, 3) }
      let env = Environment(dimensions: ["n": size], tensors: [
        "x": try TensorValue(shape: [size], values: xs), "y": try TensorValue(shape: [size], values: ys),
      ])
      for t in terms {
        var lowering = Lowering(dimensions: ["n": size])
        let lowered = try lowering.lower(t, [:])
        var slots = [Int](repeating: 0, count: max(lowering.slotCount, 1))
        let got = try ExactBackEnd(tensors: env.tensors).value(lowered, &slots)
        #expect(got == (try value(t, env)), "\(t) at n = \(size)")
      }
    }
  }
}

/// The smallest back end of the lowered form: exact rationals, no functions.
private struct ExactBackEnd {
  let tensors: [String: TensorValue]

  func value(_ t: LoweredTerm, _ slots: inout [Int]) throws -> Rational {
    switch t.node {
    case let .constant(q): return q
    case let .access(a):
      guard let offset = a.offset(&slots) else { return Rational(0) }
      return tensors[a.tensor]!.values[offset]
    case let .bracket(constraints):
      return constraints.allSatisfy { $0.holds(&slots) } ? Rational(1) : Rational(0)
    case let .sum(loop, body):
      guard loop.outer.allSatisfy({ $0.holds(&slots) }) else { return Rational(0) }
      return try sum(loop, level: 0, body, &slots)
    case let .add(terms): return try terms.reduce(Rational(0)) { $0 + (try value($1, &slots)) }
    case let .mul(factors): return try factors.reduce(Rational(1)) { $0 * (try value($1, &slots)) }
    case let .power(base, q):
      guard let n = Int(q.description) else { throw EvaluationError.unsupported("\(q)") }
      let b = try value(base, &slots)
      return (0..<n).reduce(Rational(1)) { p, _ in p * b }
    case .named, .apply: throw EvaluationError.unsupported("\(t.term)")
    }
  }

  private func sum(_ loop: LoweredLoop, level: Int, _ body: LoweredTerm, _ slots: inout [Int]) throws -> Rational {
    if level == loop.slots.count { return try value(body, &slots) }
    let (lower, upper) = loop.range(level: level, &slots)
    var total = Rational(0)
    guard lower <= upper else { return total }
    for v in lower...upper {
      slots[loop.slots[level]] = v
      total = total + (try sum(loop, level: level + 1, body, &slots))
    }
    return total
  }
}
