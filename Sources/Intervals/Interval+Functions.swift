public import Exact
internal import CGMP
internal import CMPFI
internal import CMPFR

// Each function returns an enclosure of `{f(x) : x ∈ X}` at the argument's precision. Monotone
// functions not in MPFI are computed endpoint by endpoint with MPFR, rounding the lower endpoint
// toward -∞ and the upper one toward +∞ at every step.

// MARK: - Elementary functions

extension Interval {
  /// `e^x`, rounded outward. The upper endpoint is +∞ when `e^upper` is beyond MPFR's largest
  /// number (about 10^323228496, so for `upper` above about 7.4·10^8).
  public static func exp(_ x: Interval) -> Interval {
    computing(precision: x.precision, "exp") { mpfi_exp($0.pointer, x.storage.pointer) }
  }

  /// The natural logarithm, rounded outward.
  /// - Throws: `ExactError.outsideDomain` unless `x.lower > 0`: log must be defined on all of `x`.
  public static func log(_ x: Interval) throws -> Interval {
    guard certify_mpfr_sgn(x.storage.left) > 0 else {
      throw ExactError.outsideDomain(function: "log", argument: x.description)
    }
    return try checkedComputing(precision: x.precision, function: "log", argument: x) {
      mpfi_log($0.pointer, x.storage.pointer)
    }
  }

  /// The square root, rounded outward.
  /// - Throws: `ExactError.outsideDomain` when `x.lower < 0`. MPFI would instead return NaN for a
  ///   partly negative interval; the function is not defined on all of it.
  public static func sqrt(_ x: Interval) throws -> Interval {
    guard certify_mpfr_sgn(x.storage.left) >= 0 else {
      throw ExactError.outsideDomain(function: "sqrt", argument: x.description)
    }
    return try checkedComputing(precision: x.precision, function: "sqrt", argument: x) {
      mpfi_sqrt($0.pointer, x.storage.pointer)
    }
  }

  /// The hyperbolic tangent, rounded outward (MPFI's `mpfi_tanh`).
  public static func tanh(_ x: Interval) -> Interval {
    computing(precision: x.precision, "tanh") { mpfi_tanh($0.pointer, x.storage.pointer) }
  }

  /// The logistic sigmoid `σ(x) = 1 / (1 + e^(-x))`, rounded outward.
  ///
  /// σ is increasing, so the result is `[σ(lower), σ(upper)]` with each endpoint computed in three
  /// directed steps. For the lower endpoint the denominator must not be too small: `e^(-lower)`
  /// and `1 + ·` round up, the final reciprocal rounds down; the upper endpoint mirrors this.
  /// Intermediate steps carry 16 guard bits, so the result is within an ulp or so of the exact
  /// image. Overflow of `e^(-lower)` to +∞ gives the lower endpoint 0, which is still below σ.
  public static func sigmoid(_ x: Interval) -> Interval {
    computing(precision: x.precision, "sigmoid") { result in
      withScratch(precision: x.precision + 16) { t in
        // t ≥ e^(-lower), then t ≥ 1 + e^(-lower), so 1/t rounded down is ≤ σ(lower).
        mpfr_neg(t, x.storage.left, MPFR_RNDN)  // exact: t has more bits than the endpoint
        mpfr_exp(t, t, MPFR_RNDU)
        mpfr_add_ui(t, t, 1, MPFR_RNDU)
        mpfr_ui_div(result.left, 1, t, MPFR_RNDD)

        // t ≤ e^(-upper), then t ≤ 1 + e^(-upper), so 1/t rounded up is ≥ σ(upper). An underflow
        // of e^(-upper) to 0 gives 1, still above σ.
        mpfr_neg(t, x.storage.right, MPFR_RNDN)
        mpfr_exp(t, t, MPFR_RNDD)
        mpfr_add_ui(t, t, 1, MPFR_RNDD)
        mpfr_ui_div(result.right, 1, t, MPFR_RNDU)
      }
    }
  }

  /// The error function `erf(x) = 2/√π ∫₀ˣ e^(-t²) dt`, rounded outward.
  ///
  /// MPFI has no erf; erf is increasing, so this is `[erf(lower), erf(upper)]` with MPFR's
  /// correctly rounded `mpfr_erf`, rounding down at the lower endpoint and up at the upper one.
  public static func erf(_ x: Interval) -> Interval {
    computing(precision: x.precision, "erf") { result in
      mpfr_erf(result.left, x.storage.left, MPFR_RNDD)
      mpfr_erf(result.right, x.storage.right, MPFR_RNDU)
    }
  }
}

// MARK: - Piecewise functions

extension Interval {
  /// `max(0, x)`: `[max(0, lower), max(0, upper)]`, exactly.
  public static func relu(_ x: Interval) -> Interval {
    computing(precision: x.precision, "relu") { result in
      // MPFI keeps a zero lower endpoint as +0 and a zero upper one as -0.
      if certify_mpfr_sgn(x.storage.left) > 0 {
        mpfr_set(result.left, x.storage.left, MPFR_RNDD)
      } else {
        mpfr_set_zero(result.left, 1)
      }
      if certify_mpfr_sgn(x.storage.right) > 0 {
        mpfr_set(result.right, x.storage.right, MPFR_RNDU)
      } else {
        mpfr_set_zero(result.right, -1)
      }
    }
  }

  /// `{max(x, y) : x ∈ a, y ∈ b}` = `[max(a.lower, b.lower), max(a.upper, b.upper)]`, exactly,
  /// at the larger precision.
  public static func maximum(_ a: Interval, _ b: Interval) -> Interval {
    computing(precision: max(a.precision, b.precision), "maximum") { result in
      mpfr_max(result.left, a.storage.left, b.storage.left, MPFR_RNDD)
      mpfr_max(result.right, a.storage.right, b.storage.right, MPFR_RNDU)
    }
  }

  /// `{min(x, y) : x ∈ a, y ∈ b}` = `[min(a.lower, b.lower), min(a.upper, b.upper)]`, exactly,
  /// at the larger precision.
  public static func minimum(_ a: Interval, _ b: Interval) -> Interval {
    computing(precision: max(a.precision, b.precision), "minimum") { result in
      mpfr_min(result.left, a.storage.left, b.storage.left, MPFR_RNDD)
      mpfr_min(result.right, a.storage.right, b.storage.right, MPFR_RNDU)
    }
  }

  /// `|x|`: `[0, max(-lower, upper)]` when `x` straddles 0.
  public var magnitude: Interval {
    Interval.computing(precision: precision, "magnitude") { mpfi_abs($0.pointer, storage.pointer) }
  }
}

// MARK: - Powers

extension Interval {
  /// `x²`, rounded outward; `[0, …]` when `x` straddles 0 (tighter than `x * x`).
  public func squared() -> Interval {
    Interval.computing(precision: precision, "squared") { mpfi_sqr($0.pointer, storage.pointer) }
  }

  /// `{x^n : x ∈ self}`, rounded outward; `x^0 == [1, 1]` for every `x`.
  ///
  /// Even powers of an interval straddling 0 have lower endpoint exactly 0:
  /// `[-2, 3].power(2) == [0, 9]`, not `[-6, 9]` as `x * x` would give.
  public func power(_ n: UInt) -> Interval {
    Interval.computing(precision: precision, "power") { result in
      let low = storage.left
      let high = storage.right
      if n == 0 {
        mpfi_set_ui(result.pointer, 1)
      } else if n % 2 == 1 || certify_mpfr_sgn(low) >= 0 {  // increasing on the interval
        mpfr_pow_ui(result.left, low, n, MPFR_RNDD)
        mpfr_pow_ui(result.right, high, n, MPFR_RNDU)
      } else if certify_mpfr_sgn(high) <= 0 {  // even power, decreasing on the interval
        mpfr_pow_ui(result.left, high, n, MPFR_RNDD)
        mpfr_pow_ui(result.right, low, n, MPFR_RNDU)
      } else {  // even power, minimum 0 inside, maximum at the endpoint of larger magnitude
        mpfr_set_zero(result.left, 1)
        withScratch(precision: precision) { t in
          mpfr_pow_ui(result.right, low, n, MPFR_RNDU)
          mpfr_pow_ui(t, high, n, MPFR_RNDU)
          mpfr_max(result.right, result.right, t, MPFR_RNDU)
        }
      }
    }
  }

  /// `{x^n : x ∈ self}` for any integer `n`, rounded outward; a negative power is the reciprocal
  /// of the positive one.
  /// - Throws: `ExactError.divisionByZero` for a negative power of an interval containing 0.
  public func power(_ n: Int) throws -> Interval {
    if n >= 0 { return power(UInt(n)) }
    guard !containsZero else { throw ExactError.divisionByZero }
    // Not `reciprocal()`: the positive power may underflow to an endpoint 0, which MPFI's
    // inverse turns into a sound +∞ or -∞.
    let positive = power(UInt(n.magnitude))
    return Interval.computing(precision: precision, "power") {
      mpfi_inv($0.pointer, positive.storage.pointer)
    }
  }
}

// MARK: - Scratch numbers

/// Runs `body` with an MPFR number of `precision` bits on the heap, cleared afterwards.
private func withScratch(
  precision: Int, _ body: (UnsafeMutablePointer<__mpfr_struct>) -> Void
) {
  let t = UnsafeMutablePointer<__mpfr_struct>.allocate(capacity: 1)
  mpfr_init2(t, mpfr_prec_t(precision))
  defer {
    mpfr_clear(t)
    t.deallocate()
  }
  body(t)
}
