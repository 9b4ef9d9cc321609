@testable import Audit
import Exact
import Testing

/// Strong branching on one ReLU layer: the children's bounds it computes without a product are the
/// relaxed bounds of the children themselves, and it splits the neuron whose worse child is best.
@Suite struct StrongBranchingTests {
  @Test func childBoundsMatchTheRelaxation() throws {
    var random = SeededGenerator(seed: 51)
    var compared = 0
    for seed: UInt64 in [52, 53, 54] {
      let network = randomNetwork([12, 24, 4], seed: seed)
      let box = try InputBox(pixels: randomPixels(12, &random), epsilon: Rational(15, 100))
      let label = 0
      let fast = FastBounds(network: network)
      let chain = try #require(ReLUChain(fast))
      let batch = AlphaCROWNTests.batch(box)
      let nodes = fast.tightenedNodes(batch, FastWorkspace())
      let position = chain.reluPositions[0]
      let context = BranchAndBound.Context(
        chain: chain, rootLower: [nodes[position].lower], rootUpper: [nodes[position].upper], label: label, fast: fast)
      let unstable = nodes[position].lower.indices.filter { nodes[position].lower[$0] < 0 && nodes[position].upper[$0] > 0 }
      try #require(unstable.count >= 3)
      // Random slopes, and the first unstable neuron already split with a multiplier.
      var domain = context.rootDomain()
      domain.alpha[0] = domain.alpha[0].map { _ in Double.random(in: 0...1, using: &random) }
      domain.splits[0][unstable[0]] = 1
      domain.beta[0][unstable[0]] = 0.7
      for marginRow in 0..<(network.classes - 1) {
        let values = context.strongBranchingValues(
          [domain], inputLower: batch.lower, inputUpper: batch.upper, marginRow: marginRow)[0]
        #expect(values.map(\.neuron) == Array(unstable.dropFirst()))
        for (j, value) in values {
          var children: [BranchAndBound.Domain] = []
          for side: Int8 in [1, -1] {
            var child = domain
            child.splits[0][j] = side
            children.append(child)
          }
          let bounds = chain.evaluate(
            context.rows(children, marginRows: [marginRow, marginRow]), inputLower: batch.lower, inputUpper: batch.upper,
            gradients: false
          ).bound
          let expected = min(bounds[0], bounds[1])
          #expect((value - expected).magnitude <= 1e-9 * (1 + expected.magnitude), "seed \(seed) margin \(marginRow) neuron \(j)")
          compared += 1
        }
        let choice = try #require(
          context.strongBranching([domain], inputLower: batch.lower, inputUpper: batch.upper, marginRow: marginRow)[0])
        #expect(choice.layer == 0)
        #expect(values.allSatisfy { $0.value <= values.first { $0.neuron == choice.neuron }!.value })
      }
    }
    #expect(compared > 20)
  }
}
