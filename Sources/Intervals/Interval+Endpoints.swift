public import Exact
internal import CGMP
internal import CMPFI
internal import CMPFR

extension Interval {
  /// True when both endpoints are finite. Only division by an interval containing 0, overflow,
  /// and `init(lower:upper:)` with infinite Double bounds make unbounded intervals.
  public var isBounded: Bool {
    mpfr_number_p(storage.left) != 0 && mpfr_number_p(storage.right) != 0
  }

  /// The lower endpoint, exactly (endpoints are dyadic rationals). Traps when it is -∞; check
  /// `isBounded` first where that can happen, or use `doubleBounds`.
  public var lower: Rational {
    precondition(mpfr_number_p(storage.left) != 0, "Interval.lower of an unbounded interval")
    return Rational.computing { mpfr_get_q($0, storage.left) }
  }

  /// The upper endpoint, exactly (endpoints are dyadic rationals). Traps when it is +∞; check
  /// `isBounded` first where that can happen, or use `doubleBounds`.
  public var upper: Rational {
    precondition(mpfr_number_p(storage.right) != 0, "Interval.upper of an unbounded interval")
    return Rational.computing { mpfr_get_q($0, storage.right) }
  }

  /// `upper - lower`, exactly. Traps when the interval is unbounded.
  public var width: Rational { upper - lower }

  /// `(lower + upper) / 2`, exactly. Traps when the interval is unbounded.
  public var midpoint: Rational { (lower + upper) / 2 }

  /// The endpoints as Doubles rounded outward, so `[lower, upper]` still encloses the interval;
  /// infinite endpoints (and overflow) give `±.infinity`.
  public var doubleBounds: (lower: Double, upper: Double) {
    (mpfr_get_d(storage.left, MPFR_RNDD), mpfr_get_d(storage.right, MPFR_RNDU))
  }

  /// True when both endpoints are equal: a single real number, known exactly.
  public var isPoint: Bool { mpfr_equal_p(storage.left, storage.right) != 0 }
}
