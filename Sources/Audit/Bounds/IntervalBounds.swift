import Exact

import Intervals
/// IBP and CROWN bounds over a box of inputs, computed in an arithmetic of enclosures: exactly
/// (`IntervalBounds<ExactArithmetic>`) or in MPFI (`IntervalBounds<MPFIArithmetic>`).
///
/// Each layer brings its own transformer (`BoundLayer.transformer(in:)`), prepared once at `init`
/// with its parameters as enclosures; so are the folded margin rows of the head.
///
/// ```swift
/// let engine = IntervalBounds(network: net, arithmetic: MPFIArithmetic(precision: 128))
/// let box = try InputBox(pixels: image, epsilon: Rational(1, 100))
/// engine.crown(over: box, trueClass: label).isCertified
/// ```
public struct IntervalBounds<Arithmetic: BoundArithmetic>: Sendable {
  public typealias Bound = Arithmetic.Bound

  /// The network bounded.
  public let network: LayerNetwork
  /// The arithmetic every bound is computed in.
  public let arithmetic: Arithmetic

  /// The transformers of the layers before the head.
  let body: [any EnclosureTransformer<Arithmetic>]
  /// Per true class `t`, the folded head: row `r` is `W_L[t] − W_L[j_r]`, constant `b_L[t] − b_L[j_r]`.
  let margins: [DenseEnclosure<Arithmetic>]

  public init(network: LayerNetwork, arithmetic: Arithmetic) {
    self.network = network
    self.arithmetic = arithmetic
    body = network.body.map { $0.transformer(in: arithmetic) }
    let head = network.head
    margins = (0..<network.classes).map { t in
      let folded = head.marginRows(trueClass: t)
      return DenseEnclosure(
        arithmetic: arithmetic, inputWidth: head.inputWidth, outputWidth: head.outputWidth - 1,
        weights: folded.weights.map(arithmetic.enclosure), bias: folded.bias.map(arithmetic.enclosure))
    }
  }

  /// The engine for a dense/ReLU network (`DenseNetwork.layerNetwork`).
  public init(network: DenseNetwork, arithmetic: Arithmetic) {
    self.init(network: network.layerNetwork, arithmetic: arithmetic)
  }

  /// The enclosures of a box's coordinates.
  func enclosures(_ box: InputBox) -> [Bound] {
    precondition(box.count == network.inputWidth, "the box has \(box.count) coordinates, the network \(network.inputWidth) inputs")
    return zip(box.lower, box.upper).map { arithmetic.enclosure(lower: $0, upper: $1) }
  }

  func otherClasses(_ t: Int) -> [Int] { (0..<network.classes).filter { $0 != t } }

  func checkClass(_ t: Int) {
    precondition((0..<network.classes).contains(t), "class \(t) outside 0..<\(network.classes)")
  }
}

// MARK: - IBP

extension IntervalBounds {
  /// Interval bound propagation: the box pushed through each layer's transformer, the margins
  /// bounded directly through the folded head. `hiddenLower`/`hiddenUpper` are the bounds of each
  /// non-affine layer's input (the pre-activations of a dense/ReLU network).
  /// - Precondition: `box.count == network.inputWidth`, `trueClass` is a class.
  public func intervalBoundPropagation(over box: InputBox, trueClass: Int) -> NetworkBounds<Rational> {
    checkClass(trueClass)
    var h = enclosures(box)
    var lower: [[Rational]] = [], upper: [[Rational]] = []
    for (k, transformer) in body.enumerated() {
      h = transformer.propagate(h)
      if !network.layers[k + 1].isAffine {
        lower.append(h.map(arithmetic.lower))
        upper.append(h.map(arithmetic.upper))
      }
    }
    let m = margins[trueClass].propagate(h)
    return NetworkBounds(
      trueClass: trueClass, otherClasses: otherClasses(trueClass), hiddenLower: lower, hiddenUpper: upper,
      marginLower: m.map(arithmetic.lower), marginUpper: m.map(arithmetic.upper), crownMarginLower: nil)
  }
}

// MARK: - Folded margins

extension DenseLayer {
  /// The layer folded into the margins of class `t`: for each other class `j` in increasing
  /// order, the row `W[t] − W[j]` and the constant `b[t] − b[j]`, exactly.
  func marginRows(trueClass t: Int) -> (weights: [Rational], bias: [Rational]) {
    var weights: [Rational] = [], bias: [Rational] = []
    for j in 0..<outputWidth where j != t {
      for i in 0..<inputWidth {
        weights.append(Rational(exactlyFloat: weight(output: t, input: i)) - Rational(exactlyFloat: weight(output: j, input: i)))
      }
      bias.append(Rational(exactlyFloat: self.bias[t]) - Rational(exactlyFloat: self.bias[j]))
    }
    return (weights, bias)
  }
}
