@testable import Audit
import Exact
import Testing

/// Branch and bound: it proves what no relaxation of the whole ball can, its counterexamples are
/// exact, and it never contradicts the attack or the bound methods.
@Suite struct BranchAndBoundTests {
  /// `relu(x − 3/10) − 2 relu(x − 7/10) + c` against a constant 0 logit, on x ∈ [0, 1]: a ramp up
  /// then down, minimum `c` on [0, 3/10]. Neither ReLU is stable on the ball, and the lower slope of
  /// the first cannot suit both ends (at x = 0 it wants α ≤ 1/6, at x = 1 α ≥ 4/5), so IBP, CROWN
  /// and α-CROWN fail for small `c > 0`; the four activation patterns are each linear.
  static func ramp(_ c: Float) -> DenseNetwork {
    try! DenseNetwork(layers: [
      DenseLayer(inputWidth: 1, outputWidth: 2, weights: [1, 1], bias: [-0.3, -0.7]),
      DenseLayer(inputWidth: 2, outputWidth: 2, weights: [1, -2, 0, 0], bias: [c, 0]),
    ])
  }

  static let centre = try! AuditDataset(pixels: [128], features: 1, labels: [0])
  static let epsilon = Rational(1, 2)  // the ball [0.00196…, 1]

  @Test func certifiesWhatTheRelaxationsCannot() throws {
    let network = Self.ramp(0.05)
    for method in [RobustnessMethod.ibp, .crown, .alphaCROWN] {
      #expect(try !RobustnessAudit(network: network, method: method).certify(Self.centre, epsilon: Self.epsilon).certified[0], "\(method)")
    }
    var audit = try RobustnessAudit(network: network, method: .bab)
    audit.timeout = 30
    let result = try audit.certify(Self.centre, epsilon: Self.epsilon)
    #expect(result.certified[0])
    #expect(!result.falsified[0])
    #expect(result.falsifiedCount == 0)
  }

  @Test func falsifiesWithAnExactCounterexample() throws {
    let network = Self.ramp(-0.05)  // below 0 on [0, 3/10]
    var audit = try RobustnessAudit(network: network, method: .bab)
    audit.timeout = 30
    let result = try audit.certify(Self.centre, epsilon: Self.epsilon)
    #expect(!result.certified[0])
    #expect(result.falsified[0])
    let point = try #require(result.counterexamples[0]).map { try! Rational(exactly: $0) }
    let box = try InputBox(pixels: [128], epsilon: Self.epsilon)
    #expect(box.contains(point))
    let logits = network.logits(at: point)
    #expect(logits[1] >= logits[0])  // the exact network does not assign the label there
  }

  /// On random networks and balls: every image branch and bound certifies resists the attack, every
  /// image it falsifies carries an exact counterexample, and it certifies at least what CROWN does.
  @Test func agreesWithTheAttackAndCROWN() throws {
    var random = SeededGenerator(seed: 31)
    let network = randomNetwork([10, 12, 8, 3], seed: 32)
    let count = 30
    let pixels = (0..<count).flatMap { _ in randomPixels(10, &random) }
    let labels = (0..<count).map { i in
      network.predictedClass(at: pixels[(i * 10)..<((i + 1) * 10)].map { Rational(Int($0), 255) }) ?? 0
    }
    let data = try AuditDataset(pixels: pixels, features: 10, labels: labels)
    let attack = PGDAttack(network: network, steps: 200, restarts: 5)
    var decided = 0
    for epsilon in [Rational(3, 100), Rational(8, 100)] {
      let crown = try RobustnessAudit(network: network, method: .crown).certify(data, epsilon: epsilon)
      var audit = try RobustnessAudit(network: network, method: .bab)
      audit.timeout = 2
      let bab = try audit.certify(data, epsilon: epsilon)
      let table = try PixelBounds(epsilon: epsilon)
      for i in 0..<count {
        #expect(!(bab.certified[i] && bab.falsified[i]))
        #expect(!crown.certified[i] || bab.certified[i], "image \(i)")
        let box = table.box(data.image(i))
        if bab.certified[i] { #expect(attack.attack(box, label: labels[i]) == nil, "image \(i) ε \(epsilon)") }
        if bab.falsified[i] {
          let point = try #require(bab.counterexamples[i]).map { try! Rational(exactly: $0) }
          #expect(box.contains(point))
          let logits = network.logits(at: point)
          #expect(logits.indices.contains { $0 != labels[i] && logits[$0] >= logits[labels[i]] }, "image \(i)")
        }
        if bab.certified[i] || bab.falsified[i] { decided += 1 }
      }
    }
    #expect(decided > count)  // most images decided at one ε or the other
  }
}
