@testable import Audit
import Exact
import Testing

/// Branch and bound's targeted search: its margins and gradients are the network's, it falsifies
/// (exactly) what the untargeted attack misses, and a margin never borrows another's bound.
@Suite struct MarginAttackTests {
  /// One input, three classes, label 0: `z0 = 1/10 + |x − 1/2| − 8 relu(x − 9/10)`, `z1 = −10`,
  /// `z2 = 0`. The margin against class 2 has a positive local minimum at the ball's centre, where
  /// the untargeted attack starts and stays, and is negative only near x = 1 (x > 0.9714…); the
  /// margin against class 1 is above 9 everywhere.
  static let trap = try! DenseNetwork(layers: [
    DenseLayer(inputWidth: 1, outputWidth: 3, weights: [1, -1, 1], bias: [-0.5, 0.5, -0.9]),
    DenseLayer(inputWidth: 3, outputWidth: 3, weights: [1, 1, -8, 0, 0, 0, 0, 0, 0], bias: [0.1, -10, 0]),
  ])
  static let box = try! InputBox(pixels: [128], epsilon: Rational(1, 2))  // [0.00196…, 1]

  static func search(_ network: DenseNetwork) -> BranchAndBound {
    let fast = FastBounds(network: network)
    return BranchAndBound(fast: fast, chain: ReLUChain(fast)!, attack: PGDAttack(network: network), branches: true, timeout: 10)
  }

  @Test func marginAndGradientAreTheNetworks() throws {
    let network = randomNetwork([6, 9, 7, 4], seed: 41)
    let search = Self.search(network)
    var random = SeededGenerator(seed: 42)
    for r in 0..<3 {
      let start = search.fast.marginStart(label: 2, marginRow: r)
      let attack = MarginAttack(
        chain: search.chain, coefficients: Array(start.coefficients), constant: start.constant,
        lower: [Double](repeating: 0, count: 6), upper: [Double](repeating: 1, count: 6))
      for _ in 0..<5 {
        let x = (0..<6).map { _ in Double.random(in: 0...1, using: &random) }
        let (margin, gradient) = attack.marginGradient(x)
        let logits = search.fast.logits(x)  // the Float64 forward pass
        let other = search.fast.marginClass(label: 2, marginRow: r)
        #expect(abs(margin - (logits[2] - logits[other])) < 1e-9)
        for i in 0..<6 {  // central differences (the margin is piecewise linear: almost always exact)
          var up = x, down = x
          up[i] += 1e-7
          down[i] -= 1e-7
          let slope = (attack.marginGradient(up).margin - attack.marginGradient(down).margin) / 2e-7
          #expect(abs(slope - gradient[i]) < 1e-4 * max(1, abs(slope)), "margin \(r) input \(i)")
        }
      }
    }
  }

  @Test func targetedSearchFalsifiesWhatTheAttackMisses() throws {
    let search = Self.search(Self.trap)
    #expect(search.attack.attack(Self.box, label: 0) == nil)  // the untargeted attack is trapped
    let point = try #require(
      search.targetedCounterexample(box: Self.box, label: 0, marginRow: 1, starts: [[1]], randomStarts: 0, steps: 10, seed: 0))
    #expect(Self.box.contains(point))
    let logits = Self.trap.logits(at: point)
    #expect(logits[2] >= logits[0])
  }

  /// Margin 0 is closed by α-CROWN, margin 1 stays open: its branch and bound must start from its
  /// own root (an earlier version took the closed margin's, whose positive bound closed every child).
  /// With the targeted search off, so that branch and bound itself must decide margin 1.
  @Test(arguments: [60, 0]) func openMarginsStartFromTheirOwnRoot(attackSteps: Int) throws {
    var search = Self.search(Self.trap)
    search.attackSteps = attackSteps
    let batch = BoxBatch(count: 1, width: 1, lower: Self.box.lower.map(Rounding.down), upper: Self.box.upper.map(Rounding.up))
    let verdict = search.verify(box: Self.box, batch: batch, label: 0, initial: [.nan, .nan], FastWorkspace())
    #expect(verdict.verdict == .falsified)
    #expect((verdict.domains > 0) == (attackSteps == 0))  // found by the search before any split, or by a split's corner
    let point = try #require(verdict.counterexample).map { try! Rational(exactly: $0) }
    let logits = Self.trap.logits(at: point)
    #expect(Self.box.contains(point) && logits[2] >= logits[0])
  }
}
