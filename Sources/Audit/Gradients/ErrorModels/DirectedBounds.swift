import Intervals

/// A closed interval of Doubles with every endpoint rounded outward (`nextDown`/`nextUp` after each
/// round-to-nearest operation, which moves past the exact result): what the transformer error models
/// need where a bound is a *difference* (a lower bound of a variance, a softmax weight from its
/// logits' range), which `GradientErrorBound.safety` (non-negative sums and products only) does not
/// cover.
struct DirectedInterval {
  var lo: Double
  var hi: Double

  init(_ lo: Double, _ hi: Double) {
    self.lo = lo
    self.hi = hi
  }

  /// Element `k` of an enclosure.
  init(_ v: IntervalVector, _ k: Int) {
    (lo, hi) = v.doubleBounds(k)
  }

  var magnitude: Double { max(-lo, hi) }

  static func + (a: Self, b: Self) -> Self { Self((a.lo + b.lo).nextDown, (a.hi + b.hi).nextUp) }

  static func * (a: Self, b: Self) -> Self {
    let products = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
    return Self(products.min()!.nextDown, products.max()!.nextUp)
  }

  /// Multiplied by a positive `[lo, hi]` scale.
  func scaled(_ s: Self) -> Self { self * s }
}

/// A bound on `|∏ â_i − ∏ a_i|` for `|a_i| ≤ A_i`, `|â_i − a_i| ≤ ε_i`: `∏(A_i + ε_i) − ∏ A_i`, summed
/// as non-negative terms (`Δ_k = Δ_{k−1}(A_k + ε_k) + P_{k−1} ε_k`, `P_k = P_{k−1} A_k`) so that no
/// cancellation occurs in Double. Returns the bound and `∏(A_i + ε_i)`, the bound of `|∏ â_i|`.
func productPerturbation(_ factors: [(magnitude: Double, error: Double)]) -> (error: Double, magnitude: Double) {
  var (p, d) = (1.0, 0.0)
  for (a, e) in factors {
    d = d * (a + e) + p * e
    p *= a
  }
  return (d * GradientErrorBound.safety, (p + d) * GradientErrorBound.safety)
}
