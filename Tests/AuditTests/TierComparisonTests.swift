import Audit
import Exact
import Intervals
import Testing

/// The tiers against each other: the fast tier's boxes contain MPFI's, MPFI's contain the exact
/// ones (IBP), and the fast tier stays within rounding distance of them.
@Suite struct TierComparisonTests {
  static let cases = ContainmentTests.cases()

  /// True when `[lower, upper]` (Doubles, possibly infinite) contains the rationals `[l, u]`.
  static func contains(_ lower: Double, _ upper: Double, _ l: Rational, _ u: Rational) -> Bool {
    lower.isLowerBound(of: l) && upper.isUpperBound(of: u)
  }

  @Test(arguments: [BoundMethod.ibp, .crown])
  func fastBoxesContainMPFIBoxes(method: BoundMethod) {
    for (name, network, box, t) in Self.cases {
      let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 256))
      let reference = method == .ibp ? mpfi.intervalBoundPropagation(over: box, trueClass: t) : mpfi.crown(over: box, trueClass: t)
      let fast = FastBounds(network: network).bounds(method, over: [box], trueClasses: [t])[0]
      for k in reference.hiddenLower.indices {
        for i in reference.hiddenLower[k].indices {
          #expect(Self.contains(fast.hiddenLower[k][i], fast.hiddenUpper[k][i], reference.hiddenLower[k][i], reference.hiddenUpper[k][i]), "\(name) layer \(k) neuron \(i)")
        }
      }
      for r in reference.marginLower.indices {
        #expect(Self.contains(fast.marginLower[r], fast.marginUpper[r], reference.marginLower[r], reference.marginUpper[r]), "\(name) margin \(r)")
        // Not vacuous: within 1e-9 of MPFI.
        let gap = reference.marginLower[r] - fast.marginLower[r].exactValue!
        #expect(gap < Rational(1, 1_000_000_000), "\(name) margin \(r): fast tier \(gap) below MPFI")
      }
    }
  }

  @Test func mpfiIBPContainsExactIBP() {
    for (name, network, box, t) in Self.cases {
      let exact = IntervalBounds(network: network, arithmetic: ExactArithmetic()).intervalBoundPropagation(over: box, trueClass: t)
      let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 128)).intervalBoundPropagation(over: box, trueClass: t)
      for r in exact.marginLower.indices {
        #expect(mpfi.marginLower[r] <= exact.marginLower[r] && exact.marginUpper[r] <= mpfi.marginUpper[r], "\(name) margin \(r)")
        #expect(exact.marginLower[r] - mpfi.marginLower[r] < Rational(1, 1 << 60), "\(name): MPFI is as tight as its precision")
      }
    }
  }

  /// On 1,000 sampled points per network, the margins and pre-activations enclosed in MPFI at 256
  /// bits never leave the fast tier's boxes (IBP and CROWN).
  @Test(arguments: testNetworks.map(\.name))
  func sampledPointsStayInsideTheFastBoxes(networkName: String) {
    let network = testNetworks.first { $0.name == networkName }!.network
    var random = SeededGenerator(seed: 99)
    let fast = FastBounds(network: network)
    var outside = 0, checked = 0
    for epsilon in [Rational(1, 255), Rational(1, 20), Rational(1, 4)] {
      let pixels = randomPixels(network.inputWidth, &random)
      let box = try! InputBox(pixels: pixels, epsilon: epsilon)
      let t = network.predictedClass(at: pixels.map { Rational(Int($0), 255) }) ?? 0
      let bounds = [fast.intervalBoundPropagation(over: [box], trueClasses: [t])[0], fast.crown(over: [box], trueClasses: [t])[0]]
      let count = epsilon == Rational(1, 4) ? 334 : 333
      for _ in 0..<count {
        let point = randomPoint(in: box, &random).map { Interval($0, precision: 256) }
        let z = network.preactivations(at: point)
        let margins = z.last!.indices.filter { $0 != t }.map { z.last![t] - z.last![$0] }
        checked += 1
        for b in bounds {
          let inside = margins.indices.allSatisfy { Self.contains(b.marginLower[$0], b.marginUpper[$0], margins[$0].lower, margins[$0].upper) }
            && b.hiddenLower.indices.allSatisfy { k in
              z[k].indices.allSatisfy { Self.contains(b.hiddenLower[k][$0], b.hiddenUpper[k][$0], z[k][$0].lower, z[k][$0].upper) }
            }
          if !inside { outside += 1 }
        }
      }
    }
    #expect(checked == 1000)
    #expect(outside == 0)
  }

  /// CROWN's final margin bound is never below IBP's, by construction (the larger of the two).
  /// CROWN on its own usually is at least as tight on these networks; where it is not, the
  /// constructed case below shows why.
  @Test func crownIsAtLeastIBP() {
    var crownAloneBelow = 0, total = 0
    for (name, network, box, t) in Self.cases {
      let engine = IntervalBounds(network: network, arithmetic: ExactArithmetic())
      let ibp = engine.intervalBoundPropagation(over: box, trueClass: t)
      let crown = engine.crown(over: box, trueClass: t)
      let fastIBP = FastBounds(network: network).intervalBoundPropagation(over: [box], trueClasses: [t])[0]
      let fastCROWN = FastBounds(network: network).crown(over: [box], trueClasses: [t])[0]
      for r in ibp.marginLower.indices {
        #expect(crown.marginLower[r] >= ibp.marginLower[r], "\(name) margin \(r)")
        #expect(fastCROWN.marginLower[r] >= fastIBP.marginLower[r], "\(name) margin \(r) (fast)")
        total += 1
        if crown.crownMarginLower![r] < ibp.marginLower[r] { crownAloneBelow += 1 }
      }
    }
    // Recorded, not required: CROWN alone fell below IBP on `crownAloneBelow` of `total` margins.
    #expect(crownAloneBelow < total)
  }

  /// One hidden ReLU z = x − 2/5 on x ∈ [0, 1], margin h − 0: IBP gives h ≥ 0, but CROWN's lower
  /// relaxation h ≥ z (chosen because −l = 2/5 ≤ u = 3/5) gives only −2/5.
  @Test func crownAloneCanBeLooserThanIBP() throws {
    let network = try DenseNetwork(layers: [
      DenseLayer(inputWidth: 1, outputWidth: 1, weights: [1], bias: [-0.4]),
      DenseLayer(inputWidth: 1, outputWidth: 2, weights: [1, 0], bias: [0, 0]),
    ])
    let box = try InputBox(lower: [0], upper: [1])
    let exact = IntervalBounds(network: network, arithmetic: ExactArithmetic())
    let bias = Rational(exactlyFloat: -0.4)
    #expect(exact.intervalBoundPropagation(over: box, trueClass: 0).marginLower == [0])
    let crown = exact.crown(over: box, trueClass: 0)
    #expect(crown.crownMarginLower == [bias])
    #expect(crown.marginLower == [0])
    let fast = FastBounds(network: network).crown(over: [box], trueClasses: [0])[0]
    #expect(fast.crownMarginLower![0] < 0 && fast.marginLower[0] <= 0)
  }
}

extension Rational {
  init(exactlyFloat value: Float) { self = try! Rational(exactly: Double(value)) }
}
