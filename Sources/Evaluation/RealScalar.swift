public import Exact

public import Intervals
/// Numbers that stand for real numbers in the dual-number evaluator: exactly (`Rational`) or by an
/// enclosure (`Interval`, MPFI, rounded outward).
///
/// Meaning: a value `v` of a conforming type stands for one unknown real `r`, and every operation
/// keeps that relation: if `v` stands for `r` and `w` for `s`, then `v + w` stands for `r + s`,
/// `v.applying(.exp)` for `e^r`, and so on. For `Rational` "stands for" is equality; for `Interval`
/// it is membership. Questions about the real (its sign, equality with another) are answered only
/// when the representation decides them: an interval containing 0 and other numbers has no known
/// sign.
///
/// An operation that has no answer of this kind throws `EvaluationError`:
/// - `undefined` when the real does not exist (`1/0`, `log(-1)`, a function at a point where it is
///   not differentiable) or, for an enclosure, may not exist (`log` of an interval reaching 0);
/// - `notExact` (`Rational` only) when the real exists but is not a known rational (`exp(1)`); the
///   caller retries with intervals.
///
/// ```swift
/// let x = Rational(1, 2)
/// try x.applying(.exp)                                     // throws notExact
/// try Interval(x, precision: 256).applying(.exp)            // encloses e^(1/2)
/// ```
public protocol RealScalar: Sendable, CustomStringConvertible {
  /// The rational `value`: itself, or its tightest enclosure at `precision` bits (rationals ignore
  /// the precision).
  init(_ value: Rational, precision: Int)

  /// π, enclosed at `precision` bits.
  /// - Throws: `notExact` for exact rationals.
  static func enclosingPi(precision: Int) throws -> Self

  static func + (a: Self, b: Self) -> Self
  static func - (a: Self, b: Self) -> Self
  static func * (a: Self, b: Self) -> Self
  static prefix func - (a: Self) -> Self
  /// The product with an exact rational (no enclosure of the rational is needed).
  static func * (a: Self, b: Rational) -> Self
  /// The sum with an exact rational.
  static func + (a: Self, b: Rational) -> Self

  /// The sign of the real, -1, 0 or 1, when the representation decides it; nil for an enclosure
  /// that contains 0 and other numbers.
  var knownSign: Int? { get }

  /// True when the two reals are certainly equal, false when certainly different, nil when the
  /// representations do not decide (overlapping intervals that are not the same point).
  func agrees(with other: Self) -> Bool?

  /// `max(0, r)`.
  var positivePart: Self { get }

  /// `1 / r`.
  /// - Throws: `undefined` when `r` is 0 or (an enclosure) may be 0.
  func inverted() throws -> Self

  /// `r ^ q`: the integer power for integer `q` (`0^0 = 1`), the real power for `r > 0`, and
  /// `0^q = 0` for `q > 0`.
  /// - Throws: `undefined` for a negative power of 0 or a fractional power of a negative number (or,
  ///   for an enclosure, where the base may be one); `notExact` for an irrational root of a
  ///   rational.
  func raised(to q: Rational) throws -> Self

  /// `f(r)`.
  /// - Throws: `undefined` for `log` of a number that is not (certainly) positive; `notExact` for a
  ///   rational where the value is not a known rational.
  func applying(_ f: Transcendental) throws -> Self
}

/// The transcendental functions a `RealScalar` evaluates; the others of the term language (`relu`,
/// `step`, `gelu`) are built from these and from signs (see `Dual`).
public enum Transcendental: String, CaseIterable, Hashable, Sendable {
  case exp, log, tanh, sigmoid, erf
}

extension RealScalar {
  /// The integer `value`, exactly or enclosed.
  init(_ value: Int, precision: Int) { self.init(Rational(value), precision: precision) }

  /// True when the real is certainly 0.
  var isKnownZero: Bool { knownSign == 0 }
}
