import Exact
import Intervals
import Testing
@testable import Audit

/// VNN-LIB properties: read with their places, and decided soundly — checked against an
/// exhaustive grid of exact evaluations on tiny networks.
@Suite struct VNNLIBTests {
  static let header = "(declare-const X_0 Real)\n(declare-const X_1 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n(declare-const Y_2 Real)\n"

  @Test func readsABoxAndADisjunctionOfLinearConstraints() throws {
    let property = try VNNLIBProperty(text: Self.header + """
      ; the box
      (assert (>= X_0 -0.5))
      (assert (and (<= X_0 0.5) (>= X_1 0) (<= X_1 1/4)))
      (assert (<= X_0 0.25)) ; tighter
      (assert (or (and (>= Y_1 Y_0)) (and (<= (+ Y_2 (* -2 Y_0)) 0.1) (> Y_2 (- 3)))))
      """)
    #expect(property.box.lower == [Rational(-1, 2), 0])
    #expect(property.box.upper == [Rational(1, 4), Rational(1, 4)])
    #expect(property.outputCount == 3)
    #expect(property.disjuncts.count == 2)
    // Y_1 >= Y_0  ⇔  Y_0 − Y_1 ≤ 0
    #expect(property.disjuncts[0] == [OutputConstraint(coefficients: [1, -1, 0], bound: 0, strict: false)])
    // Y_2 − 2 Y_0 ≤ 1/10, and Y_2 > −3  ⇔  −Y_2 < 3
    #expect(property.disjuncts[1] == [
      OutputConstraint(coefficients: [-2, 0, 1], bound: Rational(1, 10), strict: false),
      OutputConstraint(coefficients: [0, 0, -1], bound: 3, strict: true),
    ])
    #expect(property.isViolated(by: [0, 1, 5]))
    #expect(!property.isViolated(by: [1, 0, 5]))
  }

  @Test(arguments: [
    ("(assert (<= X_0 1))\n(assert (>= X_0 0))\n(assert (<= X_1 1))\n(assert (>= X_1 0))\n(assert (>= Y_3 Y_0))", "10:13", "'Y_3' is neither a number nor a declared constant"),
    ("(assert (<= X_0 Y_0))", "6:9", "mixing inputs and outputs"),
    ("(assert (<= X_0 1))\n(assert (>= X_0 0))\n(assert (<= X_1 1))", "2:16", "X_1 has no lower bound"),
    ("(assert (<= X_0 1)", "6:1", "'(' is never closed"),
    ("(assert (< X_0 1))", "6:9", "a strict bound on an input"),
    ("(assert (or (<= X_0 1) (<= X_0 2)))", "6:9", "a disjunction over the inputs"),
    ("(assert (<= (* Y_0 Y_1) 1))", "6:13", "a product of variables is not linear"),
    ("(check-sat)", "6:1", "'check-sat' is not read"),
  ])
  func refusalsNameThePlace(body: String, place: String, reason: String) {
    do {
      _ = try VNNLIBProperty(text: Self.header + body, path: "p.vnnlib")
      Issue.record("accepted: \(body)")
    } catch {
      #expect("\(error)".hasPrefix("p.vnnlib:\(place): "), "\(error)")
      #expect("\(error)".contains(reason), "\(error)")
    }
  }

  /// A random 2-input ReLU network with `hidden` units and 3 outputs, weights small dyadics.
  static func network(_ random: inout SystemRandomNumberGenerator, hidden: Int) throws -> LayerNetwork {
    func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float(Int.random(in: -16...16, using: &random)) / 8 } }
    return try LayerNetwork(layers: [
      try DenseLayer(inputWidth: 2, outputWidth: hidden, weights: values(2 * hidden), bias: values(hidden)),
      ReLULayer(width: hidden),
      try DenseLayer(inputWidth: hidden, outputWidth: 3, weights: values(3 * hidden), bias: values(3)),
    ])
  }

  @Test func decisionsAgreeWithAnExhaustiveGrid() throws {
    var random = SystemRandomNumberGenerator()
    var seen: [String: Int] = [:]
    for _ in 0..<40 {
      let net = try Self.network(&random, hidden: 4)
      let a = Rational(Int.random(in: -8...4, using: &random), 8), b = Rational(Int.random(in: -8...4, using: &random), 8)
      let c = Rational(Int.random(in: -8...8, using: &random), 4)
      // "class 1 scores at least class 0 + c, or class 2 scores above class 0 + c".
      let property = try VNNLIBProperty(text: Self.header + """
        (assert (>= X_0 \(a))) (assert (<= X_0 \(a + Rational(1, 2)))) (assert (>= X_1 \(b))) (assert (<= X_1 \(b + Rational(1, 2))))
        (assert (or (and (>= Y_1 (+ Y_0 \(c)))) (and (> Y_2 (+ Y_0 \(c))))))
        """)
      let verdict = try VNNLIBVerifier(network: net, arithmetic: MPFIArithmetic(precision: 64)).decide(property)
      seen[verdict.result.name, default: 0] += 1
      // Every point of a 33 x 33 grid of the box, exactly.
      var violated = false
      for i in 0...32 { for j in 0...32 where !violated {
        let x = [a + Rational(i, 64), b + Rational(j, 64)]
        violated = property.isViolated(by: net.logits(at: x))
      } }
      switch verdict.result {
      case .unsat: #expect(!violated, "unsat, but a grid point violates the property")
      case let .sat(input, outputs):
        #expect(property.box.contains(input))
        #expect(outputs == net.logits(at: input))
        #expect(property.isViolated(by: outputs))
      case .unknown: break
      }
    }
    // The cases must exercise both answers, or the comparison shows nothing.
    #expect(seen["unsat", default: 0] > 0 && seen["sat", default: 0] > 0, "\(seen)")
  }

  @Test func exactAndMPFITiersAgree() throws {
    var random = SystemRandomNumberGenerator()
    for _ in 0..<10 {
      let net = try Self.network(&random, hidden: 3)
      let property = try VNNLIBProperty(text: Self.header + """
        (assert (>= X_0 0)) (assert (<= X_0 1/4)) (assert (>= X_1 0)) (assert (<= X_1 1/4))
        (assert (>= Y_1 Y_0))
        """)
      let exact = try VNNLIBVerifier(network: net, arithmetic: ExactArithmetic()).decide(property)
      let mpfi = try VNNLIBVerifier(network: net, arithmetic: MPFIArithmetic(precision: 200)).decide(property)
      #expect(exact.result.name == mpfi.result.name || exact.result == .unknown || mpfi.result == .unknown)
      #expect(exact.disjunctsProved >= mpfi.disjunctsProved)
    }
  }

  @Test func aPropertyOfAnotherShapeIsRefused() throws {
    var random = SystemRandomNumberGenerator()
    let net = try Self.network(&random, hidden: 2)
    let property = try VNNLIBProperty(text: "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (>= X_0 0))\n(assert (<= X_0 1))\n(assert (>= Y_0 0))")
    #expect(throws: AuditError.self) { try VNNLIBVerifier(network: net, arithmetic: ExactArithmetic()).decide(property) }
  }
}
