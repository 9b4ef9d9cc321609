package import CGMP

/// An arbitrary-precision integer on GMP's `mpz_t`.
///
/// Value semantics with copy-on-write: copies share storage until one is mutated, and the GMP
/// memory is freed when the last copy goes away.
///
/// ```swift
/// let big = Integer(2).power(100)        // 1267650600228229401496703205376
/// let q = try Integer("-123456789012345678901234567890")
/// ```
public struct Integer: Sendable {
  package var storage: Storage

  package init(storage: Storage) { self.storage = storage }

  /// Zero.
  public init() { storage = Storage() }

  /// The integer `value`.
  public init(_ value: Int) {
    storage = Storage()
    __gmpz_set_si(storage.pointer, value)
  }

  /// Reads decimal text: an optional sign followed by digits (`"-42"`, `"+7"`).
  /// - Throws: `ExactError.malformedNumber` naming the offset of the first bad character.
  public init(parsing text: String) throws {
    let (negative, digits) = try DecimalText.signedDigits(text, from: text.startIndex, whole: text)
    storage = Storage()
    digits.withCString { _ = __gmpz_set_str(storage.pointer, $0, 10) }
    if negative { __gmpz_neg(storage.pointer, storage.pointer) }
  }

  /// The integer equal to `value`, or nil when `value` is not a finite whole number.
  public init?(exactly value: Double) {
    guard value.isFinite, value.rounded(.towardZero) == value else { return nil }
    storage = Storage()
    __gmpz_set_d(storage.pointer, value)
  }

  /// True when the value is 0.
  public var isZero: Bool { certify_mpz_sgn(storage.pointer) == 0 }

  /// -1, 0 or 1.
  public var signum: Int { Int(certify_mpz_sgn(storage.pointer)) }

  /// The number of bits of the magnitude (1 for 0): how large the value is, for limits.
  public var bitWidth: Int { Int(__gmpz_sizeinbase(storage.pointer, 2)) }
}

extension Integer {
  /// GMP storage: the `mpz_t` lives on the heap because GMP objects must not move.
  package final class Storage: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<__mpz_struct>

    package init() {
      pointer = .allocate(capacity: 1)
      __gmpz_init(pointer)
    }

    convenience init(copying other: Storage) {
      self.init()
      __gmpz_set(pointer, other.pointer)
    }

    deinit {
      __gmpz_clear(pointer)
      pointer.deallocate()
    }
  }

  /// Runs `body` on storage this value owns alone, copying first if it is shared.
  package mutating func withMutablePointer<R>(
    _ body: (UnsafeMutablePointer<__mpz_struct>) throws -> R
  ) rethrows -> R {
    if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    return try body(storage.pointer)
  }

  /// A new integer computed into fresh storage.
  package static func computing(_ body: (UnsafeMutablePointer<__mpz_struct>) -> Void) -> Integer {
    let result = Storage()
    body(result.pointer)
    return Integer(storage: result)
  }
}
