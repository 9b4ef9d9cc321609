import Exact

import Intervals
/// IBP and CROWN bounds over a box of inputs, computed in an arithmetic of enclosures: exactly
/// (`IntervalBounds<ExactArithmetic>`) or in MPFI (`IntervalBounds<MPFIArithmetic>`).
///
/// The weights, biases and folded margin rows are converted to enclosures once, at `init`.
///
/// ```swift
/// let engine = IntervalBounds(network: net, arithmetic: MPFIArithmetic(precision: 128))
/// let box = try InputBox(pixels: image, epsilon: Rational(1, 100))
/// engine.crown(over: box, trueClass: label).isCertified
/// ```
public struct IntervalBounds<Arithmetic: BoundArithmetic>: Sendable {
  public typealias Bound = Arithmetic.Bound

  /// The network bounded.
  public let network: DenseNetwork
  /// The arithmetic every bound is computed in.
  public let arithmetic: Arithmetic

  /// Per layer, `W` row-major `[out, in]` as enclosures.
  let weights: [[Bound]]
  /// Per layer, `b`.
  let biases: [[Bound]]
  /// Per true class `t`, the folded last layer: row `r` is `W_L[t] − W_L[j_r]`, row-major.
  let marginWeights: [[Bound]]
  /// Per true class `t`, `b_L[t] − b_L[j_r]`.
  let marginBiases: [[Bound]]
  /// The arithmetic's prepared maps for each layer and each class's folded margins, if it has them.
  let layerMaps: [AffineMap<Bound>?]
  let marginMaps: [AffineMap<Bound>?]

  public init(network: DenseNetwork, arithmetic: Arithmetic) {
    self.network = network
    self.arithmetic = arithmetic
    weights = network.layers.map { $0.weights.map(arithmetic.enclosure) }
    biases = network.layers.map { $0.bias.map(arithmetic.enclosure) }
    let folded = (0..<network.classes).map { network.marginRows(trueClass: $0) }
    marginWeights = folded.map { $0.weights.map(arithmetic.enclosure) }
    marginBiases = folded.map { $0.bias.map(arithmetic.enclosure) }
    layerMaps = network.layers.indices.map { [weights, biases] k in
      arithmetic.affineMap(rows: network.layers[k].outputWidth, columns: network.layers[k].inputWidth, weights: weights[k], bias: biases[k])
    }
    let last = network.layers[network.layers.count - 1].inputWidth
    marginMaps = (0..<network.classes).map { [marginWeights, marginBiases] t in
      arithmetic.affineMap(rows: network.classes - 1, columns: last, weights: marginWeights[t], bias: marginBiases[t])
    }
  }

  /// The enclosures of a box's coordinates.
  func enclosures(_ box: InputBox) -> [Bound] {
    precondition(box.count == network.inputWidth, "the box has \(box.count) coordinates, the network \(network.inputWidth) inputs")
    return zip(box.lower, box.upper).map { arithmetic.enclosure(lower: $0, upper: $1) }
  }

  /// `W h + b` for layer `k` on enclosures `h`, row by row.
  func affine(layer k: Int, _ h: [Bound]) -> [Bound] {
    if let map = layerMaps[k] { return map.apply(h) }
    let n = network.layers[k].inputWidth
    return (0..<network.layers[k].outputWidth).map { o in
      arithmetic.affine(weights[k][(o * n)..<((o + 1) * n)], h, bias: biases[k][o])
    }
  }

  /// The folded margins `(W_L[t] − W_L[j]) h + (b_L[t] − b_L[j])` on enclosures `h`.
  func margins(trueClass t: Int, _ h: [Bound]) -> [Bound] {
    if let map = marginMaps[t] { return map.apply(h) }
    let n = h.count
    return (0..<(network.classes - 1)).map { r in
      arithmetic.affine(marginWeights[t][(r * n)..<((r + 1) * n)], h, bias: marginBiases[t][r])
    }
  }

  func otherClasses(_ t: Int) -> [Int] { (0..<network.classes).filter { $0 != t } }

  func checkClass(_ t: Int) {
    precondition((0..<network.classes).contains(t), "class \(t) outside 0..<\(network.classes)")
  }
}

// MARK: - IBP

extension IntervalBounds {
  /// Interval bound propagation: the box pushed through each layer in the enclosure arithmetic,
  /// ReLU applied to enclosures, the margins bounded directly through the folded last layer.
  /// - Precondition: `box.count == network.inputWidth`, `trueClass` is a class.
  public func intervalBoundPropagation(over box: InputBox, trueClass: Int) -> NetworkBounds<Rational> {
    checkClass(trueClass)
    var h = enclosures(box)
    var lower: [[Rational]] = [], upper: [[Rational]] = []
    for k in 0..<(network.layers.count - 1) {
      let z = affine(layer: k, h)
      lower.append(z.map(arithmetic.lower))
      upper.append(z.map(arithmetic.upper))
      h = z.map(arithmetic.relu)
    }
    let m = margins(trueClass: trueClass, h)
    return NetworkBounds(
      trueClass: trueClass, otherClasses: otherClasses(trueClass), hiddenLower: lower, hiddenUpper: upper,
      marginLower: m.map(arithmetic.lower), marginUpper: m.map(arithmetic.upper), crownMarginLower: nil)
  }
}

// MARK: - Folded margins

extension DenseNetwork {
  /// The last layer folded into the margins of class `t`: for each other class `j` in increasing
  /// order, the row `W_L[t] − W_L[j]` and the constant `b_L[t] − b_L[j]`, exactly.
  func marginRows(trueClass t: Int) -> (weights: [Rational], bias: [Rational]) {
    let last = layers[layers.count - 1]
    var weights: [Rational] = [], bias: [Rational] = []
    for j in 0..<classes where j != t {
      for i in 0..<last.inputWidth {
        weights.append(Rational(exactlyFloat: last.weight(output: t, input: i)) - Rational(exactlyFloat: last.weight(output: j, input: i)))
      }
      bias.append(Rational(exactlyFloat: last.bias[t]) - Rational(exactlyFloat: last.bias[j]))
    }
    return (weights, bias)
  }
}
