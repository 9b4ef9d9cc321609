public import Exact
internal import CMPFI
internal import CMPFR

extension Interval: CustomStringConvertible {
  /// `[lower, upper]` in decimal, the lower endpoint rounded down and the upper one rounded up, so
  /// the printed interval still contains this one. Enough digits are printed to tell apart
  /// neighbouring numbers of this precision (17 at 53 bits, 40 at 128 bits); trailing zeros are
  /// dropped, and infinite endpoints print as `-inf` and `inf`.
  ///
  /// ```swift
  /// Interval(Rational(1, 3), precision: 24).description   // "[0.33333331, 0.33333335]"
  /// ```
  public var description: String {
    description(significantDigits: Int(mpfr_get_str_ndigits(10, mpfr_prec_t(precision))))
  }

  /// `[lower, upper]` with at most `significantDigits` significant decimal digits per endpoint,
  /// rounded outward: `Interval.pi().description(significantDigits: 5)` is `"[3.1415, 3.1416]"`.
  /// - Precondition: `significantDigits >= 1`.
  public func description(significantDigits: Int) -> String {
    precondition(
      significantDigits >= 1, "Interval.description(significantDigits:) needs at least 1")
    let low = Interval.decimal(storage.left, digits: significantDigits, rounding: MPFR_RNDD)
    let high = Interval.decimal(storage.right, digits: significantDigits, rounding: MPFR_RNDU)
    return "[\(low), \(high)]"
  }

  /// `x` in decimal with at most `digits` significant digits, rounded by `rounding`: plain
  /// notation for moderate exponents, `d.ddde±x` otherwise.
  private static func decimal(
    _ x: UnsafeMutablePointer<__mpfr_struct>, digits: Int, rounding: mpfr_rnd_t
  ) -> String {
    if mpfr_nan_p(x) != 0 { return "nan" }  // unreachable: intervals are never NaN
    if mpfr_inf_p(x) != 0 { return certify_mpfr_sgn(x) < 0 ? "-inf" : "inf" }
    if mpfr_zero_p(x) != 0 { return "0" }
    var exponent: mpfr_exp_t = 0
    guard let raw = mpfr_get_str(nil, &exponent, 10, digits, x, rounding) else {
      preconditionFailure("mpfr_get_str failed")
    }
    defer { mpfr_free_str(raw) }
    var text = String(cString: raw)
    let negative = text.hasPrefix("-")
    if negative { text.removeFirst() }
    // The value is 0.d1 d2 d3 ... × 10^exponent; trailing zeros carry no information.
    while text.count > 1, text.hasSuffix("0") { text.removeLast() }
    let point = Int(exponent)
    let body: String
    if point > 21 || point < -5 {
      let rest = text.dropFirst()
      body = "\(text.first!)" + (rest.isEmpty ? "" : ".\(rest)") + "e\(point - 1)"
    } else if point <= 0 {
      body = "0." + String(repeating: "0", count: -point) + text
    } else if point >= text.count {
      body = text + String(repeating: "0", count: point - text.count)
    } else {
      let split = text.index(text.startIndex, offsetBy: point)
      body = "\(text[..<split]).\(text[split...])"
    }
    return negative ? "-" + body : body
  }
}
