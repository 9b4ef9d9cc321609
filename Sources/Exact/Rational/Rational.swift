package import CGMP

/// An exact rational number on GMP's `mpq_t`, always in lowest terms with a positive denominator.
///
/// Value semantics with copy-on-write: copies share storage until one is mutated, and the GMP
/// memory is freed when the last copy goes away.
///
/// ```swift
/// let tenth = try Rational(parsing: "0.1")     // exactly 1/10
/// let x = Rational(1, 3) + tenth               // 13/30
/// let d = Double(x)                            // correctly rounded
/// ```
///
/// The operator `/` traps on a zero divisor, like integer division; `dividing(by:)` throws instead.
public struct Rational: Sendable {
  package var storage: Storage

  package init(storage: Storage) { self.storage = storage }

  /// Zero.
  public init() { storage = Storage() }

  /// The integer `value`.
  public init(_ value: Int) {
    storage = Storage()
    __gmpq_set_si(storage.pointer, value, 1)
  }

  /// The integer `value`.
  public init(_ value: Integer) {
    storage = Storage()
    __gmpq_set_z(storage.pointer, value.storage.pointer)
  }

  /// `numerator / denominator` in lowest terms. Traps when `denominator` is 0.
  public init(_ numerator: Int, _ denominator: Int) {
    precondition(denominator != 0, "Rational(_:_:) with a zero denominator")
    self.init(Integer(numerator), Integer(denominator))
  }

  /// `numerator / denominator` in lowest terms. Traps when `denominator` is 0; see
  /// `init(numerator:denominator:)` for the throwing form.
  public init(_ numerator: Integer, _ denominator: Integer) {
    precondition(!denominator.isZero, "Rational(_:_:) with a zero denominator")
    storage = Storage()
    __gmpz_set(certify_mpq_numref(storage.pointer), numerator.storage.pointer)
    __gmpz_set(certify_mpq_denref(storage.pointer), denominator.storage.pointer)
    __gmpq_canonicalize(storage.pointer)
  }

  /// `numerator / denominator` in lowest terms.
  /// - Throws: `ExactError.divisionByZero` when `denominator` is 0.
  public init(numerator: Integer, denominator: Integer) throws {
    guard !denominator.isZero else { throw ExactError.divisionByZero }
    self.init(numerator, denominator)
  }

  /// The numerator of the value in lowest terms (it carries the sign).
  public var numerator: Integer {
    Integer.computing { __gmpz_set($0, certify_mpq_numref(storage.pointer)) }
  }

  /// The denominator of the value in lowest terms, always positive.
  public var denominator: Integer {
    Integer.computing { __gmpz_set($0, certify_mpq_denref(storage.pointer)) }
  }

  /// True when the value is 0.
  public var isZero: Bool { certify_mpq_sgn(storage.pointer) == 0 }

  /// True when the denominator is 1.
  public var isInteger: Bool { __gmpz_cmp_ui(certify_mpq_denref(storage.pointer), 1) == 0 }

  /// -1, 0 or 1.
  public var signum: Int { Int(certify_mpq_sgn(storage.pointer)) }
}

extension Rational {
  /// GMP storage: the `mpq_t` lives on the heap because GMP objects must not move.
  package final class Storage: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<__mpq_struct>

    package init() {
      pointer = .allocate(capacity: 1)
      __gmpq_init(pointer)
    }

    convenience init(copying other: Storage) {
      self.init()
      __gmpq_set(pointer, other.pointer)
    }

    deinit {
      __gmpq_clear(pointer)
      pointer.deallocate()
    }
  }

  /// Runs `body` on storage this value owns alone, copying first if it is shared.
  package mutating func withMutablePointer<R>(
    _ body: (UnsafeMutablePointer<__mpq_struct>) throws -> R
  ) rethrows -> R {
    if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    return try body(storage.pointer)
  }

  /// A new rational computed into fresh storage.
  package static func computing(_ body: (UnsafeMutablePointer<__mpq_struct>) -> Void) -> Rational {
    let result = Storage()
    body(result.pointer)
    return Rational(storage: result)
  }
}
