import Exact
import Intervals

extension SparseAffineLayer {
  /// The precision, in bits, of the enclosures a batch norm's fold is computed in: the folded
  /// coefficients are known to about 2⁻¹²⁸ relative, far below anything an audit can resolve.
  public static let batchNormFoldPrecision = 128

  /// Batch norm in evaluation form, folded exactly from its parameters and running statistics:
  /// `y = s[c] x + t[c]` on every value of channel `c`, with
  ///
  ///     s[c] = g[c] / √(v[c] + ε),     t[c] = b[c] − s[c] m[c]
  ///
  /// the real numbers the Float32 values define (ε too is taken as the Float32 value exactly).
  /// `√(v + ε)` is irrational in general, so the layer does not hold `s` and `t`: it holds
  /// rational enclosures of them, computed in MPFI at `precision` bits with outward rounding, and
  /// every tier bounds the layer for every coefficient in them. The layer is then not rational
  /// (`isRational` is false): its exact value is known only as an enclosure.
  /// - Throws: `AuditError.invalidArgument` for a count other than one value per channel, or a
  ///   channel whose `v + ε` is not positive; `.nonFiniteWeight` for an infinite or NaN value
  ///   (`array` names `batchnorm.g`, `.b`, `.m` or `.v`).
  public static func batchNorm(
    input: ImageShape, scale g: [Float], shift b: [Float], mean m: [Float], variance v: [Float], epsilon: Float,
    precision: Int = batchNormFoldPrecision
  ) throws(AuditError) -> SparseAffineLayer {
    for (name, values) in [("g", g), ("b", b), ("m", m), ("v", v)] {
      guard values.count == input.channels else {
        throw AuditError.invalidArgument("batchnorm: \(values.count) values of \(name) for \(input.channels) channels")
      }
      if let bad = values.firstIndex(where: { !$0.isFinite }) { throw AuditError.nonFiniteWeight(array: "batchnorm.\(name)", index: bad) }
    }
    guard epsilon.isFinite else { throw AuditError.invalidArgument("batchnorm: eps \(epsilon) is not finite") }
    var scale: [(lower: Rational, upper: Rational)] = [], shift: [(lower: Rational, upper: Rational)] = []
    for c in 0..<input.channels {
      let denominator = Rational(exactlyFloat: v[c]) + Rational(exactlyFloat: epsilon)
      guard denominator.signum > 0 else {
        throw AuditError.invalidArgument("batchnorm: channel \(c) has running variance \(v[c]), so v + eps = \(v[c] + epsilon) is not positive")
      }
      // √ of a positive point, rounded outward: an interval of positive numbers, so 1/√ is defined.
      let root = try! Interval.sqrt(Interval(denominator, precision: precision))
      let s = Interval(Rational(exactlyFloat: g[c]), precision: precision) / root
      let t = Rational(exactlyFloat: b[c]) - s * Rational(exactlyFloat: m[c])
      scale.append((s.lower, s.upper))
      shift.append((t.lower, t.upper))
    }
    let plane = input.height * input.width
    return try SparseAffineLayer(
      kind: "batchnorm", inputWidth: input.count,
      lowerRows: (0..<input.count).map { k in [(input: k, coefficient: scale[k / plane].lower)] },
      upperRows: (0..<input.count).map { k in [scale[k / plane].upper] },
      lowerBias: (0..<input.count).map { shift[$0 / plane].lower }, upperBias: (0..<input.count).map { shift[$0 / plane].upper })
  }
}
