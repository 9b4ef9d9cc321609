import Audit
import Evaluation
import Exact
import Foundation

/// SplitMix64 (`Evaluation`'s): a small seeded generator, so every test sees the same numbers on
/// every run.
typealias SeededGenerator = SplitMix64

/// A dense/ReLU network of the given widths with seeded Float32 weights, uniform in ±scale/√in,
/// and small biases.
func randomNetwork(_ widths: [Int], seed: UInt64, scale: Float = 1.5) -> DenseNetwork {
  var random = SeededGenerator(seed: seed)
  let layers = (1..<widths.count).map { k -> DenseLayer in
    let (n, m) = (widths[k - 1], widths[k])
    let bound = scale / Float(n).squareRoot()
    let weights = (0..<(n * m)).map { _ in Float.random(in: -bound...bound, using: &random) }
    let bias = (0..<m).map { _ in Float.random(in: -0.3...0.3, using: &random) }
    return try! DenseLayer(inputWidth: n, outputWidth: m, weights: weights, bias: bias)
  }
  return try! DenseNetwork(layers: layers)
}

/// The networks most tests run on: one to three hidden layers, and a single affine layer.
let testNetworks: [(name: String, network: DenseNetwork)] = [
  ("5-7-6-3", randomNetwork([5, 7, 6, 3], seed: 1)),
  ("4-8-8-8-4", randomNetwork([4, 8, 8, 8, 4], seed: 2)),
  ("6-10-5", randomNetwork([6, 10, 5], seed: 3)),
  ("3-4", randomNetwork([3, 4], seed: 4)),
]

/// Seeded pixel images of `width` bytes.
func randomPixels(_ width: Int, _ random: inout SeededGenerator) -> [UInt8] {
  (0..<width).map { _ in
    // Some pixels at the ends of the range, where the ball is clipped.
    switch UInt8.random(in: 0...9, using: &random) {
    case 0: 0
    case 1: 255
    default: UInt8.random(in: 0...255, using: &random)
    }
  }
}

/// A random point of `box`: each coordinate `lower + (upper − lower) k / 1000` for a random k.
func randomPoint(in box: InputBox, _ random: inout SeededGenerator) -> [Rational] {
  (0..<box.count).map { i in
    box.lower[i] + (box.upper[i] - box.lower[i]) * Rational(Int.random(in: 0...1000, using: &random), 1000)
  }
}

/// The exact margins `z_t − z_j` for the other classes `j`, in increasing order.
func exactMargins(_ logits: [Rational], trueClass t: Int) -> [Rational] {
  logits.indices.filter { $0 != t }.map { logits[t] - logits[$0] }
}

/// The radii tests use: 0 (a point), one grey level, and larger balls that leave many ReLUs
/// unstable.
let testEpsilons: [Rational] = [0, Rational(1, 255), Rational(3, 100), Rational(1, 10), Rational(1, 2)]

extension Double {
  /// The exact value; ±∞ maps to nil.
  var exactValue: Rational? { isFinite ? try! Rational(exactly: self) : nil }

  /// True when this lower bound (possibly −∞) is at most `value`.
  func isLowerBound(of value: Rational) -> Bool { self == -.infinity || (exactValue.map { $0 <= value } ?? false) }
  /// True when this upper bound (possibly +∞) is at least `value`.
  func isUpperBound(of value: Rational) -> Bool { self == .infinity || (exactValue.map { $0 >= value } ?? false) }
}
