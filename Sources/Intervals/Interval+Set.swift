public import Exact
internal import CGMP
internal import CMPFI
internal import CMPFR

// Intervals as sets of reals. These compare endpoints exactly and never round: results are at the
// larger precision, which holds every endpoint of either operand.

extension Interval {
  /// True when `lower ≤ value ≤ upper`.
  public func contains(_ value: Rational) -> Bool {
    mpfi_is_inside_q(value.storage.pointer, storage.pointer) != 0
  }

  /// True when every point of `other` lies in this interval.
  public func contains(_ other: Interval) -> Bool {
    mpfi_is_inside(other.storage.pointer, storage.pointer) != 0
  }

  /// True when no real number lies in both intervals (they do not even share an endpoint).
  public func isDisjoint(from other: Interval) -> Bool {
    mpfr_less_p(storage.right, other.storage.left) != 0
      || mpfr_less_p(other.storage.right, storage.left) != 0
  }

  /// The smallest interval containing both: `[min(lower), max(upper)]`, exactly.
  public func hull(_ other: Interval) -> Interval {
    Interval.computing(precision: max(precision, other.precision), "hull") {
      mpfi_union($0.pointer, storage.pointer, other.storage.pointer)
    }
  }

  /// The common part `[max(lower), min(upper)]`, exactly, or nil when the intervals are
  /// disjoint. Intervals that touch at one endpoint meet in a point interval.
  public func intersection(_ other: Interval) -> Interval? {
    if isDisjoint(from: other) { return nil }
    return Interval.computing(precision: max(precision, other.precision), "intersection") {
      mpfi_intersect($0.pointer, storage.pointer, other.storage.pointer)
    }
  }
}
