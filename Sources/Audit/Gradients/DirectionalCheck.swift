import Dispatch
import Exact
import Intervals
import Evaluation
import Train

/// An interval finite-difference check of one directional derivative.
///
/// For a seeded random direction `v` (Float32 entries, about unit length over all parameters) and a
/// step `h`, from the certified formulas (the quotient in Float64, the derivative enclosed in MPFI):
///
///     quotient   = (L(w + h v) − L(w − h v)) / (2h)     (two forward passes and the loss definition)
///     derivative = Σ_P ⟨dP, v_P⟩                        (the enclosed gradient)
///
/// `gap` bounds `|quotient − derivative|` over the derivative's enclosure. For a loss three times
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
  package static func direction(counts: [Int], seed: UInt64) -> [[Float]] {
    var random = SplitMix64(seed: seed)
    let scale = 1 / Double(counts.reduce(0, +)).squareRoot()
    return counts.map { n in (0..<n).map { _ in Float(Double.random(in: -1...1, using: &random) * scale) } }
  }

  /// Runs one check per seed. The directional derivatives come from `enclosure`'s gradients
  /// (which must be computed); the difference quotients from `worker`, the same model and batch
  /// evaluated in Float64 (the check is not a proof: in Double the quotient is accurate to about
  /// `10^−13`, far below the tolerance), its batch split over its threads.
  package static func run(
    enclosure: GradientEnclosure<IntervalVector>, worker: GradientEnclosure<DoubleValues>, weights: [[Float]],
    seeds: [UInt64], step h: Rational
  ) throws(GradientAuditError) -> [DirectionalCheck] {
    var checks: [DirectionalCheck] = []
    for seed in seeds {
      let direction = direction(counts: weights.map(\.count), seed: seed)
      let q = try quotient(worker, weights, direction, h)
      let (dl, du) = derivative(enclosure, direction)
      let gap = max(q - dl, du - q).nextUp
      let step = Double(h)
      let tolerance = step * max(1, abs(dl), abs(du))
      checks.append(DirectionalCheck(
        seed: seed, step: step, quotient: (q, q), derivative: (dl, du), gap: gap, tolerance: tolerance,
        consistent: gap <= tolerance))
    }
    return checks
  }

  /// `Σ_P ⟨dP, v_P⟩` enclosed from the gradients.
  private static func derivative(_ enclosure: GradientEnclosure<IntervalVector>, _ v: [[Float]]) -> (Double, Double) {
    let total = IntervalVector(count: 2, precision: enclosure.precision)
    for (gradient, entries) in zip(enclosure.gradients, v) {
      let direction = IntervalVector(count: entries.count, precision: enclosure.precision)
      for (k, x) in entries.enumerated() { direction.set(k, to: x) }
      total.dot(into: 1, gradient, start: 0, direction, start: 0, length: entries.count)
      total.add(0, total, 1)
    }
    return total[0].doubleBounds
  }

  /// `(L(w + h v) − L(w − h v)) / 2h` in Float64 by two forward passes of `worker`, whose
  /// parameters are restored.
  private static func quotient(
    _ worker: GradientEnclosure<DoubleValues>, _ weights: [[Float]], _ v: [[Float]], _ h: Rational
  ) throws(GradientAuditError) -> Double {
    worker.setParameters(weights, plus: h, times: v)
    try worker.forward()
    let plus = try worker.meanLoss().lower
    worker.setParameters(weights, plus: Rational(0) - h, times: v)
    try worker.forward()
    let minus = try worker.meanLoss().lower
    worker.setParameters(weights)
    return (plus - minus) / (2 * Double(h))
  }
}

/// A value handed to worker threads that each use their own part of it (`DirectionalCheck.run`).
final class UncheckedBox<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
