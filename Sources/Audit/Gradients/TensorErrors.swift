import Exact

import Intervals
/// How far one parameter's Float32 gradient is from the exact gradient, measured soundly against
/// its enclosure, and whether every entry is within the a priori bound.
public struct TensorErrors: Sendable, Equatable {
  /// `"dense1.W"`.
  public var name: String
  public var count: Int
  /// An upper bound of `max |ĝ − g|` over the entries (for every `g` in each enclosure).
  public var maxAbsError: Double
  /// An upper bound of `max |ĝ − g| / |g|` over the entries whose enclosure excludes 0.
  public var maxRelError: Double
  /// Entries left out of `maxRelError`: `g` may be 0 and `ĝ` is not exactly it.
  public var relativeUndefined: Int
  /// An upper bound of `max |ĝ − g| / ulp(g)`, the distance in Float32 ulps at the exact value.
  public var maxUlps: Double
  /// The tensor's scale: an upper bound of `max |g|` over its exact entries.
  public var scale: Double
  /// A lower bound of the exact gradient's Euclidean norm `‖g‖₂`.
  public var norm: Double
  /// An upper bound of `‖ĝ − g‖₂`: the error as a vector, to be read against `norm`.
  public var normError: Double
  /// An upper bound of `|ĝ − g| / |g|` over the entries away from zero, `|g| ≥ scale / 1000`:
  /// the relative error where it means something (near-zero entries are cancellations, whose
  /// relative error is large and whose absolute error is tiny).
  public var maxRelErrorAwayFromZero: Double
  /// The largest a priori bound of an entry.
  public var maxBound: Double
  /// Whether the tensor has an a priori bound: false when a layer of the model has no rounding
  /// model (batch norm), so nothing bounds the Float32 error a priori ("NO A PRIORI BOUND").
  public var bounded: Bool = true
  /// Every entry is certainly within its a priori bound of the exact value (false when unbounded).
  public var withinBound: Bool
  /// Entries certainly outside their bound (a failure of the error model or of the trainer).
  public var outside: Int
  /// Entries neither certainly within nor certainly outside (the enclosure is too wide to tell).
  public var undecided: Int

  /// Compares `float` with the enclosures `exact` and the bounds `bound`, entry by entry; without
  /// bounds only the errors are measured.
  static func measure(name: String, float: [Float], exact: IntervalVector, bound: [Double]?) -> TensorErrors {
    var result = TensorErrors(
      name: name, count: float.count, maxAbsError: 0, maxRelError: 0, relativeUndefined: 0, maxUlps: 0,
      scale: 0, norm: 0, normError: 0, maxRelErrorAwayFromZero: 0, maxBound: 0, withinBound: true, outside: 0, undecided: 0)
    var scale = 0.0
    for k in float.indices {
      let (lo, hi) = exact.doubleBounds(k)
      scale = max(scale, lo.magnitude, hi.magnitude)
    }
    result.scale = scale
    result.bounded = bound != nil
    let threshold = scale / 1000
    var squares = 0.0, errorSquares = 0.0  // Σ smallest², Σ absolute², rounded below and above
    for k in float.indices {
      let f = Double(float[k])
      let (lo, hi) = exact.doubleBounds(k)
      let e = bound?[k] ?? .infinity
      result.maxBound = max(result.maxBound, e)
      guard f.isFinite, lo.isFinite, hi.isFinite else {
        result.maxAbsError = .infinity
        result.maxUlps = .infinity
        result.withinBound = false
        result.undecided += 1
        continue
      }
      // Every step rounds away from the claim it supports.
      let absolute = max(abs(f - lo), abs(f - hi)).nextUp
      result.maxAbsError = max(result.maxAbsError, absolute)
      let smallest = lo > 0 ? lo : hi < 0 ? -hi : 0  // ≤ |g| for every g in the enclosure
      squares = max(0, (squares + (smallest * smallest).nextDown).nextDown)
      errorSquares = (errorSquares + (absolute * absolute).nextUp).nextUp
      if smallest > 0 {
        let relative = (absolute / smallest).nextUp
        result.maxRelError = max(result.maxRelError, relative)
        if smallest >= threshold { result.maxRelErrorAwayFromZero = max(result.maxRelErrorAwayFromZero, relative) }
      } else if absolute > 0 {
        result.relativeUndefined += 1
      }
      result.maxUlps = max(result.maxUlps, (absolute / float32Ulp(atLeast: smallest)).nextUp)
      guard bound != nil else { continue }
      // Rounded away from the claim; a bound of exactly 0 (a gradient that is exactly 0 in both
      // computations, below a dead relu) needs no rounding.
      if f >= (e == 0 ? hi : (hi - e).nextUp) && f <= (e == 0 ? lo : (lo + e).nextDown) {
        continue
      }
      result.withinBound = false
      if f < (e == 0 ? lo : (lo - e).nextDown) || f > (e == 0 ? hi : (hi + e).nextUp) { result.outside += 1 } else { result.undecided += 1 }
    }
    result.norm = max(0, squares.squareRoot().nextDown)
    result.normError = result.maxAbsError.isFinite ? errorSquares.squareRoot().nextUp : .infinity
    if bound == nil { result.withinBound = false }
    return result
  }
}

/// The Float32 ulp at a magnitude `x ≥ 0` (the spacing of binary32 numbers in `x`'s binade,
/// `2^-149` below the normal range). Non-decreasing in `x`, so the ulp at a lower bound of `|g|`
/// is at most the ulp at `g`.
func float32Ulp(atLeast x: Double) -> Double {
  guard x >= 0x1p-126 else { return 0x1p-149 }
  return Double(sign: .plus, exponent: x.exponent - 23, significand: 1)
}
