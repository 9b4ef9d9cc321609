internal import CGMP

extension Integer {
  public static func + (a: Integer, b: Integer) -> Integer {
    computing { __gmpz_add($0, a.storage.pointer, b.storage.pointer) }
  }

  public static func - (a: Integer, b: Integer) -> Integer {
    computing { __gmpz_sub($0, a.storage.pointer, b.storage.pointer) }
  }

  public static func * (a: Integer, b: Integer) -> Integer {
    computing { __gmpz_mul($0, a.storage.pointer, b.storage.pointer) }
  }

  public static prefix func - (a: Integer) -> Integer {
    computing { __gmpz_neg($0, a.storage.pointer) }
  }

  public static func += (a: inout Integer, b: Integer) {
    let other = b.storage.pointer
    a.withMutablePointer { __gmpz_add($0, $0, other) }
  }

  public static func -= (a: inout Integer, b: Integer) {
    let other = b.storage.pointer
    a.withMutablePointer { __gmpz_sub($0, $0, other) }
  }

  public static func *= (a: inout Integer, b: Integer) {
    let other = b.storage.pointer
    a.withMutablePointer { __gmpz_mul($0, $0, other) }
  }

  /// The absolute value.
  public var magnitude: Integer { Integer.computing { __gmpz_abs($0, storage.pointer) } }

  /// Floor division: the quotient rounded toward negative infinity and the remainder with the
  /// divisor's sign, so that `self == q * divisor + r` (as in Python, unlike Swift's `Int`).
  /// - Throws: `ExactError.divisionByZero`.
  public func flooredDivision(by divisor: Integer) throws -> (quotient: Integer, remainder: Integer) {
    guard !divisor.isZero else { throw ExactError.divisionByZero }
    let q = Storage(), r = Storage()
    __gmpz_fdiv_qr(q.pointer, r.pointer, storage.pointer, divisor.storage.pointer)
    return (Integer(storage: q), Integer(storage: r))
  }

  /// `self` to the power `exponent` (a non-negative machine integer).
  public func power(_ exponent: UInt) -> Integer {
    Integer.computing { __gmpz_pow_ui($0, storage.pointer, exponent) }
  }

  /// The greatest common divisor, always non-negative; `gcd(0, 0) == 0`.
  public static func gcd(_ a: Integer, _ b: Integer) -> Integer {
    computing { __gmpz_gcd($0, a.storage.pointer, b.storage.pointer) }
  }

  /// The least common multiple, always non-negative; 0 when either is 0.
  public static func lcm(_ a: Integer, _ b: Integer) -> Integer {
    computing { __gmpz_lcm($0, a.storage.pointer, b.storage.pointer) }
  }
}

extension Int {
  /// The machine integer equal to `value`, or nil when it does not fit.
  public init?(exactly value: Integer) {
    guard __gmpz_fits_slong_p(value.storage.pointer) != 0 else { return nil }
    self = __gmpz_get_si(value.storage.pointer)
  }
}
