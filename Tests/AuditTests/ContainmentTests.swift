import Audit
import Exact
import Testing

/// Every tier's bounds contain the exact network's values at random points and corners of the
/// clipped ball.
@Suite struct ContainmentTests {
  /// One box per network and ε, with its true class.
  static func cases() -> [(name: String, network: DenseNetwork, box: InputBox, trueClass: Int)] {
    var random = SeededGenerator(seed: 42)
    var result: [(String, DenseNetwork, InputBox, Int)] = []
    for (name, network) in testNetworks {
      for epsilon in testEpsilons {
        let pixels = randomPixels(network.inputWidth, &random)
        let box = try! InputBox(pixels: pixels, epsilon: epsilon)
        let center = pixels.map { Rational(Int($0), 255) }
        let t = network.predictedClass(at: center) ?? 0
        result.append(("\(name) ε=\(epsilon)", network, box, t))
      }
    }
    return result
  }

  /// Random points of the box and all its corners (at most 64).
  static func points(_ box: InputBox, seed: UInt64) -> [[Rational]] {
    var random = SeededGenerator(seed: seed)
    let corners = (0..<(1 << UInt64(min(box.count, 6)))).map { box.corner(UInt64($0)) }
    return corners + (0..<40).map { _ in randomPoint(in: box, &random) }
  }

  @Test(arguments: [BoundMethod.ibp, .crown])
  func exactAndMPFITiersContainTheNetwork(method: BoundMethod) {
    for (name, network, box, t) in Self.cases() {
      let exact = IntervalBounds(network: network, arithmetic: ExactArithmetic())
      let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 128))
      let tiers = method == .ibp
        ? [exact.intervalBoundPropagation(over: box, trueClass: t), mpfi.intervalBoundPropagation(over: box, trueClass: t)]
        : [exact.crown(over: box, trueClass: t), mpfi.crown(over: box, trueClass: t)]
      for point in Self.points(box, seed: 7) {
        let z = network.preactivations(at: point)
        let margins = exactMargins(z.last!, trueClass: t)
        for bounds in tiers {
          for k in bounds.hiddenLower.indices {
            for i in z[k].indices {
              #expect(bounds.hiddenLower[k][i] <= z[k][i] && z[k][i] <= bounds.hiddenUpper[k][i], "\(name) layer \(k) neuron \(i)")
            }
          }
          for r in margins.indices {
            #expect(bounds.marginLower[r] <= margins[r] && margins[r] <= bounds.marginUpper[r], "\(name) margin \(r)")
            if let crown = bounds.crownMarginLower { #expect(crown[r] <= margins[r], "\(name) CROWN margin \(r)") }
          }
        }
      }
    }
  }

  @Test(arguments: [BoundMethod.ibp, .crown])
  func fastTierContainsTheNetwork(method: BoundMethod) {
    for (name, network, box, t) in Self.cases() {
      let bounds = FastBounds(network: network).bounds(method, over: [box], trueClasses: [t])[0]
      for point in Self.points(box, seed: 8) {
        let z = network.preactivations(at: point)
        let margins = exactMargins(z.last!, trueClass: t)
        for k in bounds.hiddenLower.indices {
          for i in z[k].indices {
            #expect(bounds.hiddenLower[k][i].isLowerBound(of: z[k][i]) && bounds.hiddenUpper[k][i].isUpperBound(of: z[k][i]), "\(name) layer \(k) neuron \(i)")
          }
        }
        for r in margins.indices {
          #expect(bounds.marginLower[r].isLowerBound(of: margins[r]) && bounds.marginUpper[r].isUpperBound(of: margins[r]), "\(name) margin \(r)")
        }
      }
    }
  }
}
