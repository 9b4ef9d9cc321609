public import Exact
internal import CGMP
internal import CMPFI
internal import CMPFR

/// A closed real interval `[lower, upper]` on MPFI, with endpoints of a chosen binary precision.
///
/// An interval stands for an unknown real number it is known to contain. Every operation rounds
/// its endpoints outward, so the result contains the exact result for every choice of points in
/// the operands: if `x ∈ X` and `y ∈ Y` then `x + y ∈ X + Y`, `exp(x) ∈ exp(X)`, and so on. The
/// endpoints are binary floating-point numbers of `precision` bits, hence exact dyadic rationals,
/// and `lower`/`upper` return them as `Rational`s without rounding.
///
/// ```swift
/// let third = Interval(Rational(1, 3), precision: 53)   // one ulp wide around 1/3
/// let x = third * 3                                    // contains 1
/// let y = Interval.exp(x)                              // contains e
/// print(y)                                             // [2.7182818284590446, 2.718281828459046]
/// ```
///
/// Binary operations compute at the larger of the two operands' precisions; functions of one
/// interval keep its precision.
///
/// An interval is never empty and never NaN. Operations whose mathematical result is undefined
/// somewhere on the operand throw `ExactError.outsideDomain` (`log`, `sqrt`) or
/// `ExactError.divisionByZero` (`dividing(by:)`, negative powers) instead of building one.
/// Endpoints may be infinite: dividing by an interval that contains 0 gives the sound answer, a
/// half-line or the whole line, and `exp` may overflow upward. `isBounded` tells these apart.
/// The operator `/` traps when the divisor is exactly `[0, 0]`, like `Rational`'s `/`.
///
/// Soundness rests on MPFR's correct rounding and on MPFI's outward-rounded operations; the
/// functions MPFI lacks (`sigmoid`, `erf`, `relu`, `power`, `maximum`, `minimum`) are built from
/// directed MPFR roundings, each argued in its documentation.
///
/// Value semantics with copy-on-write: copies share storage until one is mutated, and the MPFI
/// memory is freed when the last copy goes away.
public struct Interval: Sendable {
  internal var storage: Storage

  internal init(storage: Storage) { self.storage = storage }

  /// The precision used when none is given: 128 bits, about 38 decimal digits.
  public static let defaultPrecision = 128

  /// The precisions an interval may have, in bits.
  public static let precisionRange = 2...Int(Int32.max)

  /// The tightest enclosure of `value` at `precision` bits: `[value, value]` when `value` is
  /// representable, else the two neighbouring floating-point numbers.
  public init(_ value: Rational, precision: Int = Interval.defaultPrecision) {
    storage = Storage(precision: precision)
    mpfi_set_q(storage.pointer, value.storage.pointer)  // rounds outward
  }

  /// The integer `value`, exact when it fits in `precision` bits, else its tightest enclosure.
  public init(_ value: Int, precision: Int = Interval.defaultPrecision) {
    storage = Storage(precision: precision)
    mpfi_set_si(storage.pointer, value)
  }

  /// The integer `value`, exact when it fits in `precision` bits, else its tightest enclosure.
  public init(_ value: Integer, precision: Int = Interval.defaultPrecision) {
    storage = Storage(precision: precision)
    mpfi_set_z(storage.pointer, value.storage.pointer)
  }

  /// The point interval `[value, value]` of a finite Double: exact when `precision` ≥ 53, else
  /// the tightest enclosure.
  /// - Throws: `ExactError.notFinite` for infinities and NaN.
  public init(_ value: Double, precision: Int = Interval.defaultPrecision) throws {
    guard value.isFinite else { throw ExactError.notFinite(value) }
    storage = Storage(precision: precision)
    mpfi_set_d(storage.pointer, value)
  }

  /// The interval `[lower, upper]`, with `lower` rounded down and `upper` rounded up to
  /// `precision` bits.
  /// - Throws: `ExactError.invalidInterval` when `lower > upper`.
  public init(lower: Rational, upper: Rational, precision: Int = Interval.defaultPrecision) throws {
    guard lower <= upper else {
      throw ExactError.invalidInterval(lower: lower.description, upper: upper.description)
    }
    storage = Storage(precision: precision)
    mpfi_interv_q(storage.pointer, lower.storage.pointer, upper.storage.pointer)
  }

  /// The interval `[lower, upper]` of integers, rounded outward to `precision` bits.
  /// - Throws: `ExactError.invalidInterval` when `lower > upper`.
  public init(lower: Int, upper: Int, precision: Int = Interval.defaultPrecision) throws {
    guard lower <= upper else {
      throw ExactError.invalidInterval(lower: "\(lower)", upper: "\(upper)")
    }
    storage = Storage(precision: precision)
    mpfi_interv_si(storage.pointer, lower, upper)
  }

  /// The interval `[lower, upper]`, rounded outward to `precision` bits.
  ///
  /// Infinite bounds make a half-line or the whole line: `Interval(lower: 0, upper: .infinity)`.
  /// - Throws: `ExactError.invalidInterval` when a bound is NaN, when `lower > upper`, or when
  ///   the interval holds no real number (`lower == +∞` or `upper == -∞`).
  public init(lower: Double, upper: Double, precision: Int = Interval.defaultPrecision) throws {
    guard lower <= upper, lower < .infinity, upper > -.infinity else {  // false for NaN too
      throw ExactError.invalidInterval(lower: "\(lower)", upper: "\(upper)")
    }
    storage = Storage(precision: precision)
    // mpfi_interv_d would silently swap misordered bounds; they were checked above.
    mpfi_interv_d(storage.pointer, lower, upper)
  }

  /// The precision of the endpoints, in bits.
  public var precision: Int { Int(mpfi_get_prec(storage.pointer)) }
}

// MARK: - Storage

extension Interval {
  /// MPFI storage: the `mpfi_t` lives on the heap because MPFR objects must not move.
  final class Storage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<__mpfi_struct>

    init(precision: Int) {
      precondition(
        Interval.precisionRange.contains(precision),
        "Interval precision \(precision) outside \(Interval.precisionRange)")
      pointer = .allocate(capacity: 1)
      mpfi_init2(pointer, mpfr_prec_t(precision))
    }

    convenience init(copying other: Storage) {
      self.init(precision: Int(mpfi_get_prec(other.pointer)))
      mpfi_set(pointer, other.pointer)  // exact: same precision
    }

    deinit {
      mpfi_clear(pointer)
      pointer.deallocate()
    }

    /// The lower endpoint.
    var left: UnsafeMutablePointer<__mpfr_struct> { certify_mpfi_left(pointer) }

    /// The upper endpoint.
    var right: UnsafeMutablePointer<__mpfr_struct> { certify_mpfi_right(pointer) }
  }

  /// Runs `body` on storage this value owns alone, copying first if it is shared.
  internal mutating func withMutablePointer<R>(
    _ body: (UnsafeMutablePointer<__mpfi_struct>) throws -> R
  ) rethrows -> R {
    if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    return try body(storage.pointer)
  }

  /// A new interval of `precision` bits computed into fresh storage by `body`.
  ///
  /// Every result passes through here or `checkedComputing`, so none can be NaN or empty: for the
  /// operations that use this form a NaN would be a bug in this library or in MPFI, and traps.
  internal static func computing(
    precision: Int, _ operation: StaticString,
    _ body: (Storage) -> Void
  ) -> Interval {
    let result = Storage(precision: precision)
    body(result)
    precondition(result.isValid, "Interval.\(operation) produced NaN or an empty interval")
    return Interval(storage: result)
  }

  /// Like `computing`, but a NaN or empty result throws `ExactError.outsideDomain` naming
  /// `function` and `argument`.
  internal static func checkedComputing(
    precision: Int, function: String, argument: Interval,
    _ body: (Storage) -> Void
  ) throws -> Interval {
    let result = Storage(precision: precision)
    body(result)
    guard result.isValid else {
      throw ExactError.outsideDomain(function: function, argument: argument.description)
    }
    return Interval(storage: result)
  }
}

extension Interval.Storage {
  /// True when neither endpoint is NaN and `left ≤ right`.
  var isValid: Bool { mpfi_nan_p(pointer) == 0 && mpfi_is_empty(pointer) == 0 }
}
