public import Exact
internal import CGMP
internal import CMPFI
internal import CMPFR

/// An elementary function applied in place by `IntervalVector.apply(_:_:_:_:)`.
public enum IntervalFunction: Sendable, Hashable {
  case exp
  /// Defined where the argument is certainly positive.
  case log
  case tanh
  /// `1 / (1 + e^(-x))`.
  case sigmoid
  /// `max(0, x)`.
  case relu
  /// `x^n` for an integer `n`; a negative `n` needs an argument certainly non-zero.
  case power(Int)
  /// `√x`, defined where the argument is certainly non-negative (a half-integer power
  /// `x^(p/2)` is `(√x)^p`: batch norm's `(var + eps)^(-1/2)`).
  case squareRoot
  /// The error function, increasing: `[erf(l) rounded down, erf(u) rounded up]` (MPFR's `mpfr_erf`).
  case erf
  /// GELU in the erf form, `x Φ(x)` with `Φ(x) = (1 + erf(x/√2))/2`, enclosed as the interval
  /// product of `x` and an enclosure of `Φ(x)` (sound though not monotone: every point's value is
  /// a product of a point of `x` and a point of `Φ(x)`).
  case gelu
}

/// Why `IntervalVector.apply` could not enclose a function on an element.
public enum IntervalFunctionError: Error, Equatable, Sendable {
  /// `log` of an element not certainly positive, or a negative power of one containing 0.
  case outsideDomain(function: String, lower: Double, upper: Double)
}

extension IntervalVector {
  /// `self[k] = f(a[i])`, rounded outward.
  ///
  /// `relu` is exact on endpoints (`[max(0, l), max(0, u)]`); `sigmoid` is computed endpoint by
  /// endpoint with directed MPFR roundings (as `Interval.sigmoid`: the lower endpoint's `e^(-l)`
  /// and `1 + ·` round up and the reciprocal down, the upper endpoint mirrors it); even powers of
  /// an element straddling 0 start at exactly 0.
  /// - Throws: `IntervalFunctionError.outsideDomain` for `log` unless `a[i] > 0`, and for a
  ///   negative power unless `a[i]` excludes 0; `self[k]` is then unchanged.
  public func apply(_ f: IntervalFunction, _ k: Int, _ a: IntervalVector, _ i: Int) throws(IntervalFunctionError) {
    let (e, x) = (element(k), a.element(i))
    switch f {
    case .exp: mpfi_exp(e, x)
    case .tanh: mpfi_tanh(e, x)
    case .log:
      guard certify_mpfr_sgn(certify_mpfi_left(x)) > 0 else { throw outside("log", a, i) }
      mpfi_log(e, x)
    case .sigmoid:
      sigmoid(e, x)
    case .relu:
      mpfr_max(certify_mpfi_left(e), certify_mpfi_left(x), zeroEndpoint(), MPFR_RNDD)
      mpfr_max(certify_mpfi_right(e), certify_mpfi_right(x), zeroEndpoint(), MPFR_RNDU)
    case .power(let n):
      if n < 0 {
        guard a.sign(i).map({ $0 != 0 }) ?? false else { throw outside("power \(n)", a, i) }
      }
      power(e, x, n)
    case .squareRoot:
      guard certify_mpfr_sgn(certify_mpfi_left(x)) >= 0 else { throw outside("sqrt", a, i) }
      mpfi_sqrt(e, x)
    case .erf:
      // Through the scratch's endpoints, so that `e` may be `x`.
      mpfr_erf(certify_mpfi_left(scratch), certify_mpfi_left(x), MPFR_RNDD)
      mpfr_erf(certify_mpfi_right(scratch), certify_mpfi_right(x), MPFR_RNDU)
      mpfi_set(e, scratch)
    case .gelu:
      gelu(e, x)
    }
  }

  /// `x Φ(x)`: the scratch holds `√2`, then `x/√2`, then `erf` of it (increasing, endpoint by
  /// endpoint with directed roundings), then `1 + ·`; `e = x · scratch / 2`. Every step is MPFI's
  /// outward-rounded operation or a directed MPFR rounding, so `e` contains `x Φ(x)` for every point.
  private func gelu(_ e: UnsafeMutablePointer<__mpfi_struct>, _ x: UnsafeMutablePointer<__mpfi_struct>) {
    let s = scratch
    mpfi_set_ui(s, 2)
    mpfi_sqrt(s, s)
    mpfi_div(s, x, s)
    mpfr_erf(certify_mpfi_left(s), certify_mpfi_left(s), MPFR_RNDD)
    mpfr_erf(certify_mpfi_right(s), certify_mpfi_right(s), MPFR_RNDU)
    mpfi_add_ui(s, s, 1)
    mpfi_mul(e, x, s)
    mpfi_div_2ui(e, e, 1)
  }

  private func outside(_ function: String, _ a: IntervalVector, _ i: Int) -> IntervalFunctionError {
    let (lo, hi) = a.doubleBounds(i)
    return .outsideDomain(function: function, lower: lo, upper: hi)
  }

  /// A zero MPFR number for `max(0, ·)`: the scratch's left endpoint, set to 0 each time.
  private func zeroEndpoint() -> UnsafeMutablePointer<__mpfr_struct> {
    let z = certify_mpfi_left(scratch)!
    mpfr_set_zero(z, 1)
    return z
  }

  /// `σ(x)`, increasing: `[σ(l) rounded down, σ(u) rounded up]`, through the scratch interval's
  /// endpoints (so `e` may be `x`).
  private func sigmoid(_ e: UnsafeMutablePointer<__mpfi_struct>, _ x: UnsafeMutablePointer<__mpfi_struct>) {
    let (t, s) = (certify_mpfi_left(scratch), certify_mpfi_right(scratch))
    // t ≥ e^(-l), then t ≥ 1 + e^(-l), so 1/t rounded down is ≤ σ(l).
    mpfr_neg(t, certify_mpfi_left(x), MPFR_RNDU)
    mpfr_exp(t, t, MPFR_RNDU)
    mpfr_add_ui(t, t, 1, MPFR_RNDU)
    // s ≤ e^(-u), then s ≤ 1 + e^(-u), so 1/s rounded up is ≥ σ(u).
    mpfr_neg(s, certify_mpfi_right(x), MPFR_RNDD)
    mpfr_exp(s, s, MPFR_RNDD)
    mpfr_add_ui(s, s, 1, MPFR_RNDD)
    mpfr_ui_div(certify_mpfi_left(e), 1, t, MPFR_RNDD)
    mpfr_ui_div(certify_mpfi_right(e), 1, s, MPFR_RNDU)
  }

  /// `x^n` for any integer `n` (`x` excludes 0 when `n < 0`), through the scratch interval.
  private func power(_ e: UnsafeMutablePointer<__mpfi_struct>, _ x: UnsafeMutablePointer<__mpfi_struct>, _ n: Int) {
    let m = UInt(n.magnitude)
    let (low, high) = (certify_mpfi_left(x), certify_mpfi_right(x))
    let (l, u) = (certify_mpfi_left(scratch), certify_mpfi_right(scratch))
    if m == 0 {
      mpfi_set_ui(e, 1)
      return
    }
    if m % 2 == 1 || certify_mpfr_sgn(low) >= 0 {  // increasing on x
      mpfr_pow_ui(l, low, m, MPFR_RNDD)
      mpfr_pow_ui(u, high, m, MPFR_RNDU)
    } else if certify_mpfr_sgn(high) <= 0 {  // even power, decreasing on x
      mpfr_pow_ui(l, high, m, MPFR_RNDD)
      mpfr_pow_ui(u, low, m, MPFR_RNDU)
    } else {  // even power, 0 inside: [0, max of the two ends]
      mpfr_pow_ui(l, low, m, MPFR_RNDU)
      mpfr_pow_ui(u, high, m, MPFR_RNDU)
      mpfr_max(u, u, l, MPFR_RNDU)
      mpfr_set_zero(l, 1)
    }
    if n > 0 {
      mpfi_set(e, scratch)
    } else {
      // The positive power may have underflowed to an endpoint 0; MPFI's inverse then gives a
      // sound infinite endpoint.
      mpfi_inv(e, scratch)
    }
  }
}
