/// The MPFI precisions the audits take, in bits: from 24, so that every Float32 weight and input
/// is exact, to 65,536 (about 19,700 decimal digits).
///
/// The upper limit is a sanity bound, not a property of MPFR (whose own limit is near 2⁶³): an
/// MPFI number of `p` bits holds two `p`-bit mantissas, so a gradient audit of a 784-256-10 network
/// on a batch of 128 holds about 10⁶ of them — 16 GB at 65,536 bits. Past that, the precision
/// buys nothing a Float32 network can use, and every operation only gets slower; a typo such as
/// `--precision 99999999999999` is refused with this range instead of crashing in MPFR.
public enum AuditPrecision {
  public static let minimum = 24
  public static let maximum = 65_536

  /// - Throws: `AuditError.invalidArgument` saying the range when `bits` is outside it.
  package static func check(_ bits: Int) throws(AuditError) {
    guard bits >= minimum else {
      throw AuditError.invalidArgument("the precision must be at least \(minimum) bits (a Float32 weight must be exact), not \(bits)")
    }
    guard bits <= maximum else {
      throw AuditError.invalidArgument("the precision must be at most \(maximum) bits, not \(bits)")
    }
  }

  /// Bytes one MPFI interval of `bits` takes: two MPFR numbers (a 32-byte header and the
  /// mantissa's 64-bit limbs each).
  package static func bytesPerInterval(_ bits: Int) -> Int { 2 * (32 + 8 * ((bits + 63) / 64)) }
}
