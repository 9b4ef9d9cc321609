import Exact
import Intervals
import Train

/// A projected gradient attack (Madry et al., 2018) on the margins of a `LayerNetwork`: a search
/// for a point of the clipped L∞ ball that the exact network misclassifies.
///
/// It is the other side of a robustness certificate. A certificate proves no such point exists; an
/// attack that finds one proves the image is not robust, so the fraction of images the attack fails
/// on bounds robust accuracy from above, as certified accuracy bounds it from below. The search
/// runs in Float64 (it needs no soundness), but every point it reports lies inside the exact ball
/// and is misclassified by the exact real network: both are checked in rationals before the point
/// is returned. A certified image can therefore never be attacked: the tests hold the two audits
/// against each other.
///
/// Each step moves every pixel by `stepSize · ε` in the sign of the gradient of the largest wrong
/// margin `z_j − z_true`, then projects back onto the ball (Carlini–Wagner's margin loss, which
/// needs no softmax). The first start is the image itself, the others uniform in the ball.
public struct PGDAttack: Sendable {
  public let network: LayerNetwork
  /// Gradient steps per start (100 by default).
  public var steps: Int
  /// Starts per image: the image itself, then random points of the ball.
  public var restarts: Int
  /// The step as a fraction of ε (2.5 / steps by default, Madry et al.'s choice).
  public var stepSize: Double
  /// Seeds the random starts; the same seed finds the same points.
  public var seed: UInt64
  /// Each layer's Float64 transformer (its forward map and pullback), head included.
  private let layers: [any FastTransformer]
  /// Decides most candidate points in MPFI (a point box), rationals only the near-ties.
  private let checker: IntervalBounds<MPFIArithmetic>

  /// An attack on a dense/ReLU network (`DenseNetwork.layerNetwork`).
  public init(network: DenseNetwork, steps: Int = 100, restarts: Int = 1, stepSize: Double? = nil, seed: UInt64 = 0) {
    try! self.init(network: network.layerNetwork, steps: steps, restarts: restarts, stepSize: stepSize, seed: seed)
  }

  /// An attack on `network`.
  /// - Throws: `AuditError.unsupportedLayer` for a layer without a Float64 transformer (the
  ///   search runs through its forward map and pullback).
  public init(network: LayerNetwork, steps: Int = 100, restarts: Int = 1, stepSize: Double? = nil, seed: UInt64 = 0) throws(AuditError) {
    precondition(steps >= 1 && restarts >= 1, "an attack needs at least one step and one start")
    self.network = network
    self.steps = steps
    self.restarts = restarts
    self.stepSize = stepSize ?? 2.5 / Double(steps)
    self.seed = seed
    layers = try fastTransformers(network.layers)
    checker = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 128))
  }

  /// A point of `box` the exact network does not assign to `label` (some other logit at least as
  /// large), or nil if the search found none. The point is exact: each coordinate a Double.
  public func attack(_ box: InputBox, label: Int) -> [Rational]? {
    precondition(box.count == network.inputWidth && (0..<network.classes).contains(label), "box or label does not fit the network")
    // The box rounded inward to Doubles, so every point the search visits lies inside it.
    let lower = box.lower.map(Rounding.up), upper = box.upper.map(Rounding.down)
    if zip(lower, upper).contains(where: { $0 > $1 }) {
      // A degenerate box (ε = 0 at a pixel value no Double holds): only its centre can be tried.
      let centre = box.lower
      return box.lower == box.upper && isMisclassified(centre, label) ? centre : nil
    }
    let radius = zip(lower, upper).map { ($1 - $0) / 2 }.max() ?? 0
    let step = stepSize * radius * 2
    var random = RandomSource(seed: seed)
    for start in 0..<restarts {
      var x = zip(lower, upper).map { ($0 + $1) / 2 }
      if start > 0 { for i in x.indices { x[i] = lower[i] + (upper[i] - lower[i]) * random.uniform() } }
      for _ in 0..<steps {
        let (wrong, gradient) = worstMarginGradient(x, label)
        if wrong >= 0, let found = verified(x, label, box) { return found }
        for i in x.indices where gradient[i] != 0 {
          x[i] = min(max(x[i] + (gradient[i] > 0 ? step : -step), lower[i]), upper[i])
        }
      }
      if worstMarginGradient(x, label).margin >= 0, let found = verified(x, label, box) { return found }
    }
    return nil
  }

  /// `x` moved into the box's Doubles (rounded inward) as exact rationals, if the exact network
  /// misclassifies it there: a candidate from elsewhere (a relaxation's minimizing corner) checked.
  func checkedCounterexample(_ x: [Double], label: Int, box: InputBox) -> [Rational]? {
    guard x.count == box.count else { return nil }
    var point = x
    for i in point.indices {
      let lower = Rounding.up(box.lower[i]), upper = Rounding.down(box.upper[i])
      guard lower <= upper else { return nil }
      point[i] = min(max(point[i], lower), upper)
    }
    return verified(point, label, box)
  }

  /// The point as exact rationals, if it is in the box and the exact network misclassifies it.
  private func verified(_ x: [Double], _ label: Int, _ box: InputBox) -> [Rational]? {
    let point = x.map { try! Rational(exactly: $0) }
    return box.contains(point) && isMisclassified(point, label) ? point : nil
  }

  /// Whether some other logit is at least the true one at `point`, decided soundly: by MPFI
  /// enclosures of the margins `z_label − z_j` when they settle it (all above 0, or one at most 0),
  /// else by exact rational evaluation (enclosures of it when a layer has no rational output).
  private func isMisclassified(_ point: [Rational], _ label: Int) -> Bool {
    let margins = checker.intervalBoundPropagation(over: try! InputBox(lower: point, upper: point), trueClass: label)
    if margins.marginUpper.contains(where: { $0 <= 0 }) { return true }
    if margins.marginLower.allSatisfy({ $0 > 0 }) { return false }
    // Enclosures: exact points for a rational network; else misclassified only when provably so.
    let logits = network.logitEnclosures(at: point)
    return logits.indices.contains { $0 != label && logits[$0].lower >= logits[label].upper }
  }

  /// The largest wrong margin `max_j z_j − z_label` in Float64 and its gradient in `x`.
  public func worstMarginGradient(_ x: [Double], _ label: Int) -> (margin: Double, gradient: [Double]) {
    var inputs: [[Double]] = []  // each layer's input
    var h = x
    for layer in layers {
      inputs.append(h)
      h = layer.forward(h)
    }
    let logits = h
    let worst = logits.indices.filter { $0 != label }.max { logits[$0] < logits[$1] }!
    var delta = [Double](repeating: 0, count: logits.count)
    delta[worst] = 1
    delta[label] = -1
    for k in stride(from: layers.count - 1, through: 0, by: -1) {
      delta = layers[k].pullback(delta, at: inputs[k])
    }
    return (logits[worst] - logits[label], delta)
  }
}
