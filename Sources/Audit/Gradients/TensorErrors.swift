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
  /// The largest a priori bound of an entry.
  public var maxBound: Double
  /// Every entry is certainly within its a priori bound of the exact value.
  public var withinBound: Bool
  /// Entries certainly outside their bound (a failure of the error model or of the trainer).
  public var outside: Int
  /// Entries neither certainly within nor certainly outside (the enclosure is too wide to tell).
  public var undecided: Int

  /// Compares `float` with the enclosures `exact` and the bounds `bound`, entry by entry.
  static func measure(name: String, float: [Float], exact: IntervalVector, bound: [Double]) -> TensorErrors {
    var result = TensorErrors(
      name: name, count: float.count, maxAbsError: 0, maxRelError: 0, relativeUndefined: 0, maxUlps: 0,
      maxBound: 0, withinBound: true, outside: 0, undecided: 0)
    for k in float.indices {
      let f = Double(float[k])
      let (lo, hi) = exact.doubleBounds(k)
      let e = bound[k]
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
      if smallest > 0 {
        result.maxRelError = max(result.maxRelError, (absolute / smallest).nextUp)
      } else if absolute > 0 {
        result.relativeUndefined += 1
      }
      result.maxUlps = max(result.maxUlps, (absolute / float32Ulp(atLeast: smallest)).nextUp)
      if f >= (hi - e).nextUp && f <= (lo + e).nextDown {
        continue
      }
      result.withinBound = false
      if f < (lo - e).nextDown || f > (hi + e).nextUp { result.outside += 1 } else { result.undecided += 1 }
    }
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
