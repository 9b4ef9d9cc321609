public import Exact
internal import CMPFI

extension Interval {
  /// An enclosure of π one ulp wide at `precision` bits (MPFR's correctly rounded constant).
  public static func pi(precision: Int = Interval.defaultPrecision) -> Interval {
    computing(precision: precision, "pi") { mpfi_const_pi($0.pointer) }
  }

  /// An enclosure of e, computed as `exp([1, 1])`.
  public static func e(precision: Int = Interval.defaultPrecision) -> Interval {
    exp(Interval(1, precision: precision))
  }

  /// An enclosure of log 2 one ulp wide at `precision` bits.
  public static func log2(precision: Int = Interval.defaultPrecision) -> Interval {
    computing(precision: precision, "log2") { mpfi_const_log2($0.pointer) }
  }
}
