internal import Exact

extension ExactEvaluator {
  /// Beyond this exponent magnitude a power of a base other than 0 and ±1 is refused rather than
  /// computed (its value would have millions of digits).
  static let maximumExponent = 1 << 20

  /// `base ^ exponent`, exact.
  ///
  /// For an integer exponent, the integer power (`0^0 = 1`). For `p/r` in lowest terms with `r > 1`,
  /// `(base^(1/r))^p` when `base >= 0` is the `r`-th power of a rational: `4^(1/2) = 2`,
  /// `8^(-1/3) = 1/2`, `(4/9)^(3/2) = 8/27`.
  /// - Throws: `undefined` for a negative power of 0 or a fractional power of a negative number;
  ///   `notExact` when the root is irrational (`2^(1/2)`); `unsupported` for an exponent too large.
  func power(_ base: Rational, _ exponent: Rational) throws -> Rational {
    var text: String { "(\(base))^(\(exponent))" }  // for errors only: printing a rational is slow
    guard let p = Int(exactly: exponent.numerator), let r = Int(exactly: exponent.denominator) else {
      throw EvaluationError.unsupported("the exponent of \(text) is too large")
    }
    if base.isZero {
      if p < 0 { throw EvaluationError.undefined("\(text): a negative power of 0") }
      return p == 0 ? Rational(1) : Rational(0)
    }
    var root = base
    if r > 1 {
      guard base.signum > 0 else { throw EvaluationError.undefined("\(text): a fractional power of a negative number") }
      guard let n = base.numerator.exactRoot(r), let d = base.denominator.exactRoot(r) else {
        throw EvaluationError.notExact("\(text) is irrational")
      }
      root = Rational(n, d)
    }
    if root.magnitude != Rational(1), p.magnitude > ExactEvaluator.maximumExponent {
      throw EvaluationError.unsupported("the exponent of \(text) is too large")
    }
    return try root.power(p)
  }
}

extension Integer {
  /// The integer `x` with `x^r == self`, or nil when there is none; `self >= 0`, `r >= 1`.
  ///
  /// Newton's iteration on integers from an upper bound, `x' = ((r - 1) x + self / x^(r-1)) / r`
  /// (floored), decreases to `floor(self^(1/r))`; the root is exact when its `r`-th power is `self`.
  func exactRoot(_ r: Int) -> Integer? {
    precondition(r >= 1 && signum >= 0, "exactRoot of a negative number or with r < 1")
    let one = Integer(1)
    if r == 1 || self <= one { return self }
    let digits = description.count  // self < 10^digits
    // A root >= 2 needs 2^r <= self < 10^digits, so r < 3.33 * digits.
    guard r <= 4 * digits else { return nil }
    var x = Integer(10).power(UInt((digits + r - 1) / r))  // > self^(1/r)
    let order = Integer(r), previousOrder = Integer(r - 1)
    while true {
      guard let q = try? flooredDivision(by: x.power(UInt(r - 1))).quotient,
        let next = try? (previousOrder * x + q).flooredDivision(by: order).quotient
      else { return nil }  // unreachable: x >= 1 and r >= 2
      if next >= x { break }
      x = next
    }
    return x.power(UInt(r)) == self ? x : nil
  }
}
