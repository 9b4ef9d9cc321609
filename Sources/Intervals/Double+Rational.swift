public import Exact
internal import CGMP
internal import CMPFR

extension Double {
  /// The Double nearest to `value`, ties to even, overflowing to infinity (IEEE 754 round to
  /// nearest), including in the subnormal range.
  ///
  /// GMP's `mpq_get_d` truncates, so this rounds through MPFR: first at a precision that fits the
  /// binade the value falls in, so a subnormal result is rounded once, not twice.
  public init(_ value: Rational) {
    if value.isZero { self = 0; return }
    // On the heap: MPFR objects must not move between calls.
    let x = UnsafeMutablePointer<__mpfr_struct>.allocate(capacity: 1)
    mpfr_init2(x, 64)
    defer { mpfr_clear(x); x.deallocate() }
    // Rounding toward zero keeps the exponent exact: |value| lies in [2^(e-1), 2^e).
    mpfr_set_q(x, value.storage.pointer, MPFR_RNDZ)
    let e = Int(certify_mpfr_get_exp(x))
    // Doubles have 53 significant bits down to 2^-1022, then a fixed quantum of 2^-1074.
    let bits = e - 1 >= -1022 ? 53 : 53 - (-1022 - (e - 1))
    if bits < 1 {
      // |value| < 2^-1074: rounds to 0 below half the smallest subnormal, up above it; the tie
      // (exactly 2^-1075) goes to the even neighbour, 0.
      let half = Rational.computing { __gmpq_set_d($0, 0x1p-1074) } / 2
      let rounded = value.magnitude > half ? 0x1p-1074 : 0.0
      self = value.signum < 0 ? -rounded : rounded
      return
    }
    mpfr_set_prec(x, mpfr_prec_t(bits))
    mpfr_set_q(x, value.storage.pointer, MPFR_RNDN)
    self = mpfr_get_d(x, MPFR_RNDN)  // exact now: x already has a representable value
  }
}
