import Audit
import Exact
import Intervals
import Testing

/// The robustness audit on a CNN with every layer kind (conv2d, batch norm folded from running
/// statistics, relu, max pooling with ties, depthwise convolution, average pooling, flatten,
/// dense), held against the definitions evaluated independently in MPFI at 512 bits
/// (`CNNReference`): at random points and corners of the ball, in all three tiers, IBP and CROWN.
@Suite struct CNNAuditTests {
  /// True when `[lower, upper]` (possibly infinite Doubles) contains the interval `value`.
  static func encloses(_ lower: Double, _ upper: Double, _ value: Interval) -> Bool {
    lower.isLowerBound(of: value.lower) && upper.isUpperBound(of: value.upper)
  }

  static func margins(_ logits: [Interval], trueClass t: Int) -> [Interval] {
    logits.indices.filter { $0 != t }.map { logits[t] - logits[$0] }
  }

  @Test(arguments: [UInt64(1), 2])
  func boundsHoldAtPointsAndCornersInAllTiers(seed: UInt64) throws {
    let reference = CNNReference(seed: seed)
    let network = try reference.network()
    #expect(!network.isRational)  // the folded batch norm is known by enclosures
    var random = SeededGenerator(seed: seed + 10)
    let exact = IntervalBounds(network: network, arithmetic: ExactArithmetic())
    let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 128))
    let fast = try FastBounds(network: network)
    for epsilon in [Rational(1, 100), Rational(1, 10), Rational(1, 2)] {
      let pixels = randomPixels(36, &random)
      let box = try InputBox(pixels: pixels, epsilon: epsilon)
      let t = Int.random(in: 0..<3, using: &random)
      // Per tier and method: does it enclose the given margins?
      var all: [(name: String, encloses: ([Interval]) -> Bool)] = []
      for method in BoundMethod.allCases {
        for (tier, b) in [("exact", exact.bounds(method, box, t)), ("mpfi", mpfi.bounds(method, box, t))] {
          all.append(("\(tier) \(method)", { m in m.indices.allSatisfy { b.marginLower[$0] <= m[$0].lower && m[$0].upper <= b.marginUpper[$0] } }))
        }
        let f = fast.bounds(method, over: [box], trueClasses: [t])[0]
        all.append(("fast \(method)", { m in m.indices.allSatisfy { Self.encloses(f.marginLower[$0], f.marginUpper[$0], m[$0]) } }))
      }
      let points = (0..<8).map { _ in randomPoint(in: box, &random) }
        + (0..<8).map { _ in box.corner(UInt64.random(in: 0...UInt64.max, using: &random)) } + [box.lower, box.upper]
      for point in points {
        let margins = Self.margins(reference.logits(at: point), trueClass: t)
        for bounds in all { #expect(bounds.encloses(margins), "\(bounds.name), ε \(epsilon)") }
      }
    }
  }

  /// At ε = 0 the exact tier's bounds are the exact margins up to the fold's enclosures: the
  /// containment above is not vacuous.
  @Test func exactTierIsTightAtAPoint() throws {
    let reference = CNNReference(seed: 3)
    let network = try reference.network()
    var random = SeededGenerator(seed: 5)
    let pixels = randomPixels(36, &random)
    let box = try InputBox(pixels: pixels, epsilon: 0)
    let bounds = IntervalBounds(network: network, arithmetic: ExactArithmetic()).intervalBoundPropagation(over: box, trueClass: 0)
    let margins = Self.margins(reference.logits(at: box.lower), trueClass: 0)
    for r in margins.indices {
      #expect(bounds.marginLower[r] <= margins[r].lower && margins[r].upper <= bounds.marginUpper[r])
      #expect(bounds.marginUpper[r] - bounds.marginLower[r] < Rational(1, 1 << 50) * Rational(1, 1 << 50))
    }
    let enclosures = network.logitEnclosures(at: box.lower)
    let logits = reference.logits(at: box.lower)
    #expect(enclosures.indices.allSatisfy { enclosures[$0].lower <= logits[$0].lower && logits[$0].upper <= enclosures[$0].upper })
  }

  /// Max pooling ties: channel 1 of the first convolution is constant, so all four inputs of each
  /// of its windows are equal at every point; the bounds still hold there (above) and the
  /// enclosure at a point is still a point up to the fold.
  @Test func maxPoolWindowsTieOnTheConstantChannel() throws {
    let reference = CNNReference(seed: 1)
    #expect(reference.conv[9...].allSatisfy { $0 == 0 })
    let network = try reference.network()
    let pool = try #require(network.layers[3] as? MaxPoolLayer)
    let box = try InputBox(pixels: [UInt8](repeating: 128, count: 36), epsilon: Rational(1, 10))
    let exact = IntervalBounds(network: network, arithmetic: ExactArithmetic()).crown(over: box, trueClass: 0)
    // The pool's inputs: the second non-affine layer's (the first is the relu before it).
    let lower = exact.hiddenLower[1], upper = exact.hiddenUpper[1]
    let plane = 36
    #expect(pool.inputWidth == 72)
    #expect((plane..<72).allSatisfy { lower[$0] == lower[plane] && upper[$0] == upper[plane] })
  }

  /// The fast tier's bounds contain MPFI's at 256 bits, hidden and margin, IBP and CROWN, and are
  /// within 1e-9 of them.
  @Test(arguments: [BoundMethod.ibp, .crown])
  func fastTierContainsMPFIAt256Bits(method: BoundMethod) throws {
    var random = SeededGenerator(seed: 31)
    for seed in [UInt64(1), 4] {
      let network = try CNNReference(seed: seed).network()
      let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 256))
      let fast = try FastBounds(network: network)
      for epsilon in [Rational(1, 255), Rational(1, 20), Rational(1, 4)] {
        let box = try InputBox(pixels: randomPixels(36, &random), epsilon: epsilon)
        let t = Int.random(in: 0..<3, using: &random)
        let reference = mpfi.bounds(method, box, t)
        let bounds = fast.bounds(method, over: [box], trueClasses: [t])[0]
        #expect(bounds.hiddenLower.count == reference.hiddenLower.count)
        for k in reference.hiddenLower.indices {
          for i in reference.hiddenLower[k].indices {
            #expect(bounds.hiddenLower[k][i].isLowerBound(of: reference.hiddenLower[k][i]), "layer \(k) value \(i)")
            #expect(bounds.hiddenUpper[k][i].isUpperBound(of: reference.hiddenUpper[k][i]), "layer \(k) value \(i)")
          }
        }
        for r in reference.marginLower.indices {
          #expect(bounds.marginLower[r].isLowerBound(of: reference.marginLower[r]) && bounds.marginUpper[r].isUpperBound(of: reference.marginUpper[r]))
          #expect(reference.marginLower[r] - bounds.marginLower[r].exactValue! < Rational(1, 1_000_000_000), "seed \(seed) ε \(epsilon) margin \(r)")
        }
      }
    }
  }

  /// An attack's point on the CNN is misclassified by the exact network: its enclosures prove it.
  @Test func attackPointsAreProvenMisclassified() throws {
    let reference = CNNReference(seed: 2)
    let network = try reference.network()
    let attack = try PGDAttack(network: network, steps: 40, restarts: 2, seed: 1)
    var random = SeededGenerator(seed: 8)
    var broken = 0
    for _ in 0..<6 {
      let box = try InputBox(pixels: randomPixels(36, &random), epsilon: Rational(1, 2))
      let label = Int.random(in: 0..<3, using: &random)
      guard let point = attack.attack(box, label: label) else { continue }
      broken += 1
      #expect(box.contains(point))
      let logits = reference.logits(at: point)
      #expect(logits.indices.contains { $0 != label && logits[$0].lower >= logits[label].upper })
    }
    #expect(broken > 0)
  }
}

extension IntervalBounds {
  func bounds(_ method: BoundMethod, _ box: InputBox, _ t: Int) -> NetworkBounds<Rational> {
    method == .ibp ? intervalBoundPropagation(over: box, trueClass: t) : crown(over: box, trueClass: t)
  }
}
