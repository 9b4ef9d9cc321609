public import Exact
internal import CGMP
internal import CMPFI
internal import CMPFR

// Every operation here is MPFI's: each endpoint is computed by MPFR, correctly rounded toward -∞
// for the lower one and toward +∞ for the upper one, so the result encloses every exact result.

// MARK: - Interval with interval

extension Interval {
  public static func + (a: Interval, b: Interval) -> Interval {
    computing(precision: max(a.precision, b.precision), "+") {
      mpfi_add($0.pointer, a.storage.pointer, b.storage.pointer)
    }
  }

  public static func - (a: Interval, b: Interval) -> Interval {
    computing(precision: max(a.precision, b.precision), "-") {
      mpfi_sub($0.pointer, a.storage.pointer, b.storage.pointer)
    }
  }

  /// The product: for operands straddling 0 MPFI takes the extreme products of the endpoints.
  public static func * (a: Interval, b: Interval) -> Interval {
    computing(precision: max(a.precision, b.precision), "*") {
      mpfi_mul($0.pointer, a.storage.pointer, b.storage.pointer)
    }
  }

  /// The quotient `{x / y : x ∈ a, y ∈ b, y ≠ 0}`, rounded outward.
  ///
  /// When `b` contains 0 the quotient is unbounded: a half-line when 0 is an endpoint of `b` and
  /// `a` does not contain 0 (`[1, 2] / [0, 4] == [1/4, +∞]`), otherwise the whole line. Check
  /// `isBounded`, or use `dividing(by:)`, which throws instead.
  ///
  /// - Precondition: `b` is not `[0, 0]` (nothing to divide by), like `Rational`'s `/`.
  public static func / (a: Interval, b: Interval) -> Interval {
    precondition(!b.isZero, "Interval division by [0, 0]")
    return computing(precision: max(a.precision, b.precision), "/") {
      mpfi_div($0.pointer, a.storage.pointer, b.storage.pointer)
    }
  }

  public static prefix func - (a: Interval) -> Interval {
    computing(precision: a.precision, "negation") { mpfi_neg($0.pointer, a.storage.pointer) }
  }

  /// The quotient `self / divisor`, always bounded when `self` is.
  /// - Throws: `ExactError.divisionByZero` when `divisor` contains 0, even as an endpoint.
  public func dividing(by divisor: Interval) throws -> Interval {
    guard !divisor.containsZero else { throw ExactError.divisionByZero }
    return self / divisor
  }

  /// The reciprocal `1 / self`, rounded outward.
  /// - Throws: `ExactError.divisionByZero` when `self` contains 0.
  public func reciprocal() throws -> Interval {
    guard !containsZero else { throw ExactError.divisionByZero }
    return Interval.computing(precision: precision, "reciprocal") {
      mpfi_inv($0.pointer, storage.pointer)
    }
  }

  /// True when both endpoints are 0.
  internal var isZero: Bool {
    mpfr_zero_p(storage.left) != 0 && mpfr_zero_p(storage.right) != 0
  }

  /// True when `lower ≤ 0 ≤ upper`.
  internal var containsZero: Bool {
    certify_mpfr_sgn(storage.left) <= 0 && certify_mpfr_sgn(storage.right) >= 0
  }
}

// MARK: - Interval with rational

// The result has the interval's precision. All but `Rational / Interval` take the rational exactly
// (MPFR's `mpfr_add_q` and friends round only the result), which is tighter than converting it to
// an interval first; MPFI's `mpfi_q_div` rounds the rational outward first, then divides.
extension Interval {
  public static func + (a: Interval, b: Rational) -> Interval {
    computing(precision: a.precision, "+") {
      mpfi_add_q($0.pointer, a.storage.pointer, b.storage.pointer)
    }
  }

  public static func + (a: Rational, b: Interval) -> Interval { b + a }

  public static func - (a: Interval, b: Rational) -> Interval {
    computing(precision: a.precision, "-") {
      mpfi_sub_q($0.pointer, a.storage.pointer, b.storage.pointer)
    }
  }

  public static func - (a: Rational, b: Interval) -> Interval {
    computing(precision: b.precision, "-") {
      mpfi_q_sub($0.pointer, a.storage.pointer, b.storage.pointer)
    }
  }

  public static func * (a: Interval, b: Rational) -> Interval {
    computing(precision: a.precision, "*") {
      mpfi_mul_q($0.pointer, a.storage.pointer, b.storage.pointer)
    }
  }

  public static func * (a: Rational, b: Interval) -> Interval { b * a }

  /// The quotient by a rational. Traps when `b` is 0, like `Rational`'s `/`.
  public static func / (a: Interval, b: Rational) -> Interval {
    precondition(!b.isZero, "Interval division by zero")
    return computing(precision: a.precision, "/") {
      mpfi_div_q($0.pointer, a.storage.pointer, b.storage.pointer)
    }
  }

  /// The quotient of a rational by an interval, unbounded when `b` contains 0 (see `/`).
  /// - Precondition: `b` is not `[0, 0]`.
  public static func / (a: Rational, b: Interval) -> Interval {
    precondition(!b.isZero, "Interval division by [0, 0]")
    return computing(precision: b.precision, "/") {
      mpfi_q_div($0.pointer, a.storage.pointer, b.storage.pointer)
    }
  }
}

// MARK: - Compound assignment

// In place when `a` owns its storage and already has the larger precision; MPFI allows the
// result to alias an operand.
extension Interval {
  public static func += (a: inout Interval, b: Interval) {
    a.update(b, "+=", otherwise: +) { mpfi_add($0, $0, $1) }
  }

  public static func -= (a: inout Interval, b: Interval) {
    a.update(b, "-=", otherwise: -) { mpfi_sub($0, $0, $1) }
  }

  public static func *= (a: inout Interval, b: Interval) {
    a.update(b, "*=", otherwise: *) { mpfi_mul($0, $0, $1) }
  }

  /// Divides in place; see `/`. Traps when `b` is `[0, 0]`.
  public static func /= (a: inout Interval, b: Interval) {
    precondition(!b.isZero, "Interval division by [0, 0]")
    a.update(b, "/=", otherwise: /) { mpfi_div($0, $0, $1) }
  }

  private mutating func update(
    _ other: Interval, _ operation: StaticString,
    otherwise combine: (Interval, Interval) -> Interval,
    _ body: (UnsafeMutablePointer<__mpfi_struct>, UnsafeMutablePointer<__mpfi_struct>) -> Void
  ) {
    guard precision >= other.precision else {
      self = combine(self, other)
      return
    }
    let source = other.storage.pointer
    withMutablePointer { body($0, source) }
    precondition(storage.isValid, "Interval.\(operation) produced NaN or an empty interval")
  }
}
