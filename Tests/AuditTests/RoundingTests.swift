@testable import Audit
import Exact
import Intervals
import Testing

/// The Float64 tier's error terms, and a case where plain round-to-nearest IBP is wrong.
@Suite struct RoundingTests {
  /// Naive IBP in round-to-nearest Double with no error terms: endpoint form, `x @ W` summed left
  /// to right, then `+ b`.
  static func naiveMarginLowerBounds(_ network: DenseNetwork, lower: [Double], upper: [Double], trueClass t: Int) -> [Double] {
    var lo = lower, hi = upper
    for (k, layer) in network.layers.enumerated() {
      var zl = [Double](repeating: 0, count: layer.outputWidth), zu = zl
      for o in 0..<layer.outputWidth {
        var a = 0.0, b = 0.0
        for i in 0..<layer.inputWidth {
          let w = Double(layer.weight(output: o, input: i))
          a += w >= 0 ? w * lo[i] : w * hi[i]
          b += w >= 0 ? w * hi[i] : w * lo[i]
        }
        zl[o] = a + Double(layer.bias[o])
        zu[o] = b + Double(layer.bias[o])
      }
      if k == network.layers.count - 1 {
        return (0..<layer.outputWidth).filter { $0 != t }.map { zl[t] - zu[$0] }  // logits, not folded
      }
      lo = zl.map { max(0, $0) }
      hi = zu.map { max(0, $0) }
    }
    return []
  }

  /// z_0 = 2^24 x_0 − 2^-30 x_1 − 2^24 x_2 + 2^-40 and z_1 = 0 at x = (1, 1, 1): the exact margin
  /// is −2^-30 + 2^-40 < 0, but left to right in Double 2^24 − 2^-30 rounds to 2^24 (a tie, to
  /// even), the 2^24 cancel, and naive IBP claims the margin is at least 2^-40 > 0: a false
  /// certificate. The sound tiers do not certify.
  @Test func naiveFloatIBPCertifiesAFalseMargin() throws {
    let network = try DenseNetwork(layers: [
      DenseLayer(inputWidth: 3, outputWidth: 2, weights: [0x1p24, -0x1p-30, -0x1p24, 0, 0, 0], bias: [0x1p-40, 0])
    ])
    let box = try InputBox(pixels: [255, 255, 255], epsilon: 0)  // the point (1, 1, 1)
    let exactMargin = network.logits(at: box.lower)[0] - network.logits(at: box.lower)[1]
    #expect(exactMargin < 0)

    let naive = Self.naiveMarginLowerBounds(network, lower: [1, 1, 1], upper: [1, 1, 1], trueClass: 0)
    #expect(naive == [0x1p-40])  // claims margin ≥ 2^-40 > 0: false

    for method in BoundMethod.allCases {
      let fast = FastBounds(network: network).bounds(method, over: [box], trueClasses: [0])[0]
      #expect(!fast.isCertified)
      #expect(fast.marginLower[0].isLowerBound(of: exactMargin))
    }
    let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic()).intervalBoundPropagation(over: box, trueClass: 0)
    #expect(!mpfi.isCertified && mpfi.marginLower[0] <= exactMargin)
    let exact = IntervalBounds(network: network, arithmetic: ExactArithmetic()).crown(over: box, trueClass: 0)
    #expect(exact.marginLower == [exactMargin])
  }

  @Test func gammaIsRoundedUp() {
    for n in [1, 3, 784, 1 << 20] {
      let error = DotProductError(length: n)
      let exact = Rational(n) / (Rational(Integer(1 << 53)) - Rational(n))
      #expect(try! Rational(exactly: error.gamma) >= exact)
      #expect(try! Rational(exactly: error.gamma.nextDown) < exact)  // the tightest such Double
      let inverse = (Rational(Integer(1 << 53)) - Rational(n)) / (Rational(Integer(1 << 53)) - 2 * Rational(n))
      #expect(try! Rational(exactly: error.inverseOneMinusGamma) >= inverse)
      #expect(error.tail == Double(2 * n) * Double.leastNonzeroMagnitude)
    }
  }

  @Test func directedRoundingOfRationals() {
    for value in [Rational(1, 3), Rational(-1, 3), Rational(1, 255), Rational(0), Rational(1), Rational(254, 255) + Rational(3, 1000)] {
      let down = Rounding.down(value), up = Rounding.up(value)
      #expect(try! Rational(exactly: down) <= value && value <= Rational(exactly: up))
      #expect(up == down || up == down.nextUp)
    }
  }

  @Test func exactDifferenceCheckAgreesWithRationals() {
    var random = SeededGenerator(seed: 5)
    for _ in 0..<2_000 {
      let a = Double(Float(bitPattern: UInt32.random(in: 0...0x7F7F_FFFF, using: &random)) * (Bool.random(using: &random) ? 1 : -1))
      let b = Double(Float(bitPattern: UInt32.random(in: 0...0x7F7F_FFFF, using: &random)))
      let d = a - b
      let exact = try! Rational(exactly: a) - Rational(exactly: b) == Rational(exactly: d)
      #expect(FastAffine.isExactDifference(a, b, d) == exact)
    }
  }

  /// A sum whose terms underflow: products of tiny Float32 weights and inputs are subnormal in
  /// Double, and the τ_n terms keep the bounds sound.
  @Test func tinyWeightsStaySound() throws {
    let tiny: Float = 0x1p-149  // the smallest Float32 subnormal
    let network = try DenseNetwork(layers: [
      DenseLayer(inputWidth: 2, outputWidth: 2, weights: [tiny, -tiny, tiny, tiny], bias: [0, 0]),
      DenseLayer(inputWidth: 2, outputWidth: 2, weights: [tiny, 0, 0, tiny], bias: [0, 0]),
    ])
    let box = try InputBox(center: [Rational(1, 3), Rational(2, 3)], epsilon: Rational(1, 1000))
    for method in BoundMethod.allCases {
      let fast = FastBounds(network: network).bounds(method, over: [box], trueClasses: [1])[0]
      for bits in 0..<4 {
        let z = network.logits(at: box.corner(UInt64(bits)))
        #expect(fast.marginLower[0].isLowerBound(of: z[1] - z[0]))
        #expect(fast.marginUpper[0].isUpperBound(of: z[1] - z[0]))
      }
    }
  }

  /// Ten layers of weights near Float32's largest overflow Double (10^380 > 10^308): no finite,
  /// possibly false, bound comes out, and no NaN.
  @Test func overflowGivesNoBound() throws {
    let huge = Float.greatestFiniteMagnitude
    let network = try DenseNetwork(layers: (0..<10).map { _ in
      try DenseLayer(inputWidth: 2, outputWidth: 2, weights: [huge, huge, huge, -huge], bias: [0, 0])
    })
    let box = try InputBox(center: [Rational(1, 2), Rational(1, 2)], epsilon: Rational(1, 10))
    for method in BoundMethod.allCases {
      let fast = FastBounds(network: network).bounds(method, over: [box], trueClasses: [0])[0]
      #expect(!fast.isCertified)
      #expect(fast.marginLower.allSatisfy { !$0.isNaN })
    }
  }
}
