internal import CGMP

extension Rational {
  public static func + (a: Rational, b: Rational) -> Rational {
    computing { __gmpq_add($0, a.storage.pointer, b.storage.pointer) }
  }

  public static func - (a: Rational, b: Rational) -> Rational {
    computing { __gmpq_sub($0, a.storage.pointer, b.storage.pointer) }
  }

  public static func * (a: Rational, b: Rational) -> Rational {
    computing { __gmpq_mul($0, a.storage.pointer, b.storage.pointer) }
  }

  /// The quotient. Traps when `b` is 0; `dividing(by:)` throws instead.
  public static func / (a: Rational, b: Rational) -> Rational {
    precondition(!b.isZero, "Rational division by zero")
    return computing { __gmpq_div($0, a.storage.pointer, b.storage.pointer) }
  }

  public static prefix func - (a: Rational) -> Rational {
    computing { __gmpq_neg($0, a.storage.pointer) }
  }

  public static func += (a: inout Rational, b: Rational) {
    let other = b.storage.pointer
    a.withMutablePointer { __gmpq_add($0, $0, other) }
  }

  public static func -= (a: inout Rational, b: Rational) {
    let other = b.storage.pointer
    a.withMutablePointer { __gmpq_sub($0, $0, other) }
  }

  public static func *= (a: inout Rational, b: Rational) {
    let other = b.storage.pointer
    a.withMutablePointer { __gmpq_mul($0, $0, other) }
  }

  /// Divides in place. Traps when `b` is 0.
  public static func /= (a: inout Rational, b: Rational) {
    precondition(!b.isZero, "Rational division by zero")
    let other = b.storage.pointer
    a.withMutablePointer { __gmpq_div($0, $0, other) }
  }

  /// The quotient `self / divisor`.
  /// - Throws: `ExactError.divisionByZero` when `divisor` is 0.
  public func dividing(by divisor: Rational) throws -> Rational {
    guard !divisor.isZero else { throw ExactError.divisionByZero }
    return self / divisor
  }

  /// The reciprocal `1 / self`.
  /// - Throws: `ExactError.divisionByZero` when `self` is 0.
  public func reciprocal() throws -> Rational {
    guard !isZero else { throw ExactError.divisionByZero }
    return Rational.computing { __gmpq_inv($0, storage.pointer) }
  }

  /// `self` to the integer power `exponent`; `x^0 == 1` for every `x`, including 0.
  /// - Throws: `ExactError.divisionByZero` for a negative power of 0.
  public func power(_ exponent: Int) throws -> Rational {
    if exponent < 0 { return try reciprocal().power(UInt(exponent.magnitude)) }
    return power(UInt(exponent))
  }

  /// `self` to the non-negative power `exponent`.
  public func power(_ exponent: UInt) -> Rational {
    let source = storage.pointer
    return Rational.computing { result in
      __gmpz_pow_ui(certify_mpq_numref(result), certify_mpq_numref(source), exponent)
      __gmpz_pow_ui(certify_mpq_denref(result), certify_mpq_denref(source), exponent)
    }
  }

  /// The absolute value.
  public var magnitude: Rational { Rational.computing { __gmpq_abs($0, storage.pointer) } }

  /// The greatest integer not above the value.
  public var floor: Integer {
    Integer.computing {
      __gmpz_fdiv_q($0, certify_mpq_numref(storage.pointer), certify_mpq_denref(storage.pointer))
    }
  }

  /// The least integer not below the value.
  public var ceiling: Integer {
    Integer.computing {
      __gmpz_cdiv_q($0, certify_mpq_numref(storage.pointer), certify_mpq_denref(storage.pointer))
    }
  }
}

/// `|x|`.
public func abs(_ x: Rational) -> Rational { x.magnitude }
