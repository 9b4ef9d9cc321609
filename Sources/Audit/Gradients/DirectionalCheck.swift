import Exact
import Intervals
import Evaluation
import Train

/// An interval finite-difference check of one directional derivative.
///
/// For a seeded random direction `v` (Float32 entries, about unit length over all parameters) and a
/// step `h`, both enclosed in MPFI from the certified formulas:
///
///     quotient   = (L(w + h v) − L(w − h v)) / (2h)     (two forward passes and the loss definition)
///     derivative = Σ_P ⟨dP, v_P⟩                        (the enclosed gradient)
///
/// `gap` bounds `|quotient − derivative|` over both enclosures. For a loss three times
/// differentiable on the segment, `quotient − derivative = h²/6 · L'''` at some point of it (a
/// Taylor remainder; a ReLU whose input crosses 0 inside the segment breaks this). The check
/// reports `consistent` when `gap ≤ h · max(1, |derivative|)`: it holds whenever `|L'''| ≤
/// 6/h · max(1, |derivative|)` along the segment, while a wrong formula (a transposed or missing
/// factor) gives a gap of the order of the derivative itself. It is a check of the formulas and
/// their composition against the loss, not a proof: the remainder is not bounded rigorously.
public struct DirectionalCheck: Sendable, Equatable {
  public var seed: UInt64
  public var step: Double
  public var quotient: (lower: Double, upper: Double)
  public var derivative: (lower: Double, upper: Double)
  /// An upper bound of `|quotient − derivative|` over the enclosures.
  public var gap: Double
  public var tolerance: Double
  public var consistent: Bool

  public static func == (a: DirectionalCheck, b: DirectionalCheck) -> Bool {
    a.seed == b.seed && a.step == b.step && a.quotient == b.quotient && a.derivative == b.derivative && a.gap == b.gap
  }

  /// A direction over `shapes` (entry counts per parameter) from `seed`: uniform in [-1, 1] divided by
  /// the square root of the total count, rounded to Float32 (so exact in MPFI).
  static func direction(counts: [Int], seed: UInt64) -> [[Float]] {
    var random = SplitMix64(seed: seed)
    let scale = 1 / Double(counts.reduce(0, +)).squareRoot()
    return counts.map { n in (0..<n).map { _ in Float(Double.random(in: -1...1, using: &random) * scale) } }
  }

  /// Runs the check on `enclosure`, whose gradients must be computed; restores its parameters.
  static func run(
    enclosure: GradientEnclosure, weights: [[Float]], seed: UInt64, step h: Rational
  ) throws(GradientAuditError) -> DirectionalCheck {
    let v = direction(counts: weights.map(\.count), seed: seed)
    let precision = enclosure.precision
    // The enclosed directional derivative.
    let total = IntervalVector(count: 2, precision: precision)
    for (gradient, entries) in zip(enclosure.gradients, v) {
      let direction = IntervalVector(count: entries.count, precision: precision)
      for (k, x) in entries.enumerated() { direction.set(k, to: x) }
      total.dot(into: 1, gradient, start: 0, direction, start: 0, length: entries.count)
      total.add(0, total, 1)
    }
    let derivative = total[0]
    // The central difference quotient.
    enclosure.setParameters(weights, plus: h, times: v)
    try enclosure.forward()
    let plus = try enclosure.meanLoss()
    enclosure.setParameters(weights, plus: Rational(0) - h, times: v)
    try enclosure.forward()
    let minus = try enclosure.meanLoss()
    enclosure.setParameters(weights)
    let quotient = (plus - minus) / Interval(h * 2, precision: precision)

    let (ql, qu) = quotient.doubleBounds
    let (dl, du) = derivative.doubleBounds
    let gap = max(qu - dl, du - ql).nextUp
    let step = Double(h)
    let tolerance = step * max(1, abs(dl), abs(du))
    return DirectionalCheck(
      seed: seed, step: step, quotient: (ql, qu), derivative: (dl, du), gap: gap, tolerance: tolerance,
      consistent: gap <= tolerance)
  }
}
