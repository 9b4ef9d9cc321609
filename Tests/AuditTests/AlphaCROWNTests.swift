@testable import Audit
import Exact
import Testing

/// α-CROWN's bounds: sound for any slopes and split multipliers (against the exact network at
/// corners and random points of the ball), never below CROWN's, and tighter where CROWN's
/// adaptive slopes are the wrong ones.
@Suite struct AlphaCROWNTests {
  /// The networks with hidden layers, each with a box and its predicted class.
  static func cases() -> [(name: String, network: DenseNetwork, box: InputBox, label: Int)] {
    ContainmentTests.cases().filter { $0.network.layers.count > 1 }.map { ($0.name, $0.network, $0.box, $0.trueClass) }
  }

  /// The box as the fast tier's batch of one, rounded outward.
  static func batch(_ box: InputBox) -> BoxBatch {
    BoxBatch(count: 1, width: box.count, lower: box.lower.map(Rounding.down), upper: box.upper.map(Rounding.up))
  }

  /// Rows for every margin of `label`, no splits, with seeded random slopes and multipliers.
  static func randomRows(
    _ fast: FastBounds, _ chain: ReLUChain, nodes: [BoxBatch], label: Int, _ random: inout SeededGenerator
  ) -> RelaxedRows {
    let margins = fast.classes - 1
    let lower = chain.reluPositions.map { p in Array([[Double]](repeating: nodes[p].lower, count: margins).joined()) }
    let upper = chain.reluPositions.map { p in Array([[Double]](repeating: nodes[p].upper, count: margins).joined()) }
    let starts = (0..<margins).map { fast.marginStart(label: label, marginRow: $0) }
    return RelaxedRows(
      count: margins, lower: lower, upper: upper,
      alpha: lower.map { $0.map { _ in Double.random(in: 0...1, using: &random) } },
      beta: lower.map { $0.map { _ in Double.random(in: 0...2, using: &random) } },
      direction: lower.map { $0.map { _ in 0 } }, start: Array(starts.map(\.coefficients).joined()), constant: starts.map(\.constant))
  }

  @Test func boundsForAnySlopesContainTheNetwork() throws {
    var random = SeededGenerator(seed: 11)
    for (name, network, box, label) in Self.cases() {
      let fast = FastBounds(network: network)
      let chain = try #require(ReLUChain(fast))
      let nodes = fast.tightenedNodes(Self.batch(box), FastWorkspace())
      for _ in 0..<3 {
        let rows = Self.randomRows(fast, chain, nodes: nodes, label: label, &random)
        let bounds = fast.relaxedMarginLowerBounds(
          rows, marginRows: Array(0..<rows.count), label: label, nodes: nodes, chain: chain, FastWorkspace())
        for point in ContainmentTests.points(box, seed: 5) {
          let margins = exactMargins(network.logits(at: point), trueClass: label)
          for r in margins.indices { #expect(bounds[r].isLowerBound(of: margins[r]) || bounds[r].isNaN, "\(name) margin \(r)") }
        }
      }
    }
  }

  /// A split neuron's bounds set to the split and its multiplier in the coefficient: the bound
  /// holds at every point where the split holds.
  @Test func splitBoundsContainTheNetworkWhereTheSplitHolds() throws {
    var random = SeededGenerator(seed: 12)
    var checked = 0
    for (name, network, box, label) in Self.cases() {
      let fast = FastBounds(network: network)
      let chain = try #require(ReLUChain(fast))
      let nodes = fast.tightenedNodes(Self.batch(box), FastWorkspace())
      // The first unstable neuron of each layer.
      for (k, position) in chain.reluPositions.enumerated() {
        guard let j = nodes[position].lower.indices.first(where: { nodes[position].lower[$0] < 0 && nodes[position].upper[$0] > 0 })
        else { continue }
        for side in [1.0, -1.0] {
          var rows = Self.randomRows(fast, chain, nodes: nodes, label: label, &random)
          let width = nodes[position].width
          for row in 0..<rows.count {
            let q = row * width + j
            if side > 0 { rows.lower[k][q] = 0 } else { rows.upper[k][q] = 0 }
            rows.direction[k][q] = -side
          }
          let bounds = fast.relaxedMarginLowerBounds(
            rows, marginRows: Array(0..<rows.count), label: label, nodes: nodes, chain: chain, FastWorkspace())
          for point in ContainmentTests.points(box, seed: 6) {
            let z = network.preactivations(at: point)[k][j]
            guard side > 0 ? z >= 0 : z <= 0 else { continue }
            checked += 1
            let margins = exactMargins(network.logits(at: point), trueClass: label)
            for r in margins.indices {
              #expect(bounds[r].isLowerBound(of: margins[r]) || bounds[r].isNaN, "\(name) split \(k):\(j) \(side) margin \(r)")
            }
          }
        }
      }
    }
    #expect(checked > 100)  // not vacuous
  }

  /// Multipliers of the wrong sign are dropped by the ReLU tables: the bound stays sound.
  @Test func wrongSignMultipliersAreIgnored() throws {
    for (name, network, box, label) in Self.cases() {
      let fast = FastBounds(network: network)
      let chain = try #require(ReLUChain(fast))
      let nodes = fast.tightenedNodes(Self.batch(box), FastWorkspace())
      var random = SeededGenerator(seed: 13)
      var rows = Self.randomRows(fast, chain, nodes: nodes, label: label, &random)
      // σ of the sign that would be unsound: +β where z ≥ 0, −β where z ≤ 0, β large.
      for k in rows.lower.indices {
        for q in rows.lower[k].indices {
          rows.beta[k][q] = 100
          rows.direction[k][q] = rows.lower[k][q] >= 0 ? 1 : rows.upper[k][q] <= 0 ? -1 : 1
        }
      }
      let bounds = fast.relaxedMarginLowerBounds(
        rows, marginRows: Array(0..<rows.count), label: label, nodes: nodes, chain: chain, FastWorkspace())
      for point in ContainmentTests.points(box, seed: 8) {
        let margins = exactMargins(network.logits(at: point), trueClass: label)
        for r in margins.indices { #expect(bounds[r].isLowerBound(of: margins[r]) || bounds[r].isNaN, "\(name) margin \(r)") }
      }
    }
  }

  /// The optimized slopes' sound bound is never below CROWN's (it starts from CROWN's slopes and
  /// keeps the best), and the audit certifies every image CROWN does.
  @Test func optimizedSlopesAreNoWorseThanCROWN() throws {
    var random = SeededGenerator(seed: 14)
    let network = randomNetwork([12, 20, 16, 4], seed: 21)
    let pixels = (0..<40).flatMap { _ in randomPixels(12, &random) }
    let labels = (0..<40).map { i in
      network.predictedClass(at: pixels[(i * 12)..<((i + 1) * 12)].map { Rational(Int($0), 255) }) ?? 0
    }
    let data = try AuditDataset(pixels: pixels, features: 12, labels: labels)
    var improved = 0
    for epsilon in [Rational(2, 100), Rational(5, 100), Rational(1, 10)] {
      let crown = try RobustnessAudit(network: network, method: .crown).certify(data, epsilon: epsilon)
      let alpha = try RobustnessAudit(network: network, method: .alphaCROWN).certify(data, epsilon: epsilon)
      for i in 0..<data.count {
        #expect(!crown.certified[i] || alpha.certified[i], "image \(i) ε \(epsilon)")
        #expect(alpha.worstMarginLower[i] >= crown.worstMarginLower[i], "image \(i) ε \(epsilon)")
        if alpha.worstMarginLower[i] > crown.worstMarginLower[i] + 1e-6 { improved += 1 }
      }
    }
    #expect(improved > 0)  // the search does something
  }

  /// `|x − 1/2| − x/2 + 3/10` on x ∈ [0, 1]: its minimum is 1/20 at x = 1/2. IBP and CROWN (whose
  /// adaptive slopes bound `relu(x − 1/2) ≥ x − 1/2` and `relu(1/2 − x) ≥ 0`) cannot prove it
  /// positive; slopes with `a − b = 1/2` can.
  @Test func alphaCROWNCertifiesWhatCROWNCannot() throws {
    let network = try DenseNetwork(layers: [
      DenseLayer(inputWidth: 1, outputWidth: 3, weights: [1, -1, 1], bias: [-0.5, 0.5, 0]),
      DenseLayer(inputWidth: 3, outputWidth: 2, weights: [1, 1, -0.5, 0, 0, 0], bias: [0.3, 0]),
    ])
    let data = try AuditDataset(pixels: [128], features: 1, labels: [0])
    let epsilon = Rational(1, 2)
    #expect(try !RobustnessAudit(network: network, method: .ibp).certify(data, epsilon: epsilon).certified[0])
    #expect(try !RobustnessAudit(network: network, method: .crown).certify(data, epsilon: epsilon).certified[0])
    let alpha = try RobustnessAudit(network: network, method: .alphaCROWN).certify(data, epsilon: epsilon)
    #expect(alpha.certified[0])
    #expect(alpha.worstMarginLower[0] <= 0.05 + 1e-6)  // sound: not above the true minimum
  }

  @Test func searchingMethodsRunInTheFastTierOnDenseNetworksOnly() {
    let network = randomNetwork([4, 5, 3], seed: 3)
    for method in [RobustnessMethod.alphaCROWN, .bab] {
      #expect(throws: AuditError.self) { try RobustnessAudit(network: network, method: method, tier: .exact) }
      #expect(throws: AuditError.self) { try RobustnessAudit(network: network, method: method, tier: .mpfi(precision: 128)) }
      #expect(throws: Never.self) { try RobustnessAudit(network: network, method: method) }
    }
  }
}
