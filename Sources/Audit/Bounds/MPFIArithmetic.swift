import Exact

import Intervals
/// Interval arithmetic in MPFI at a fixed precision (`Exact.Interval`): every endpoint is rounded
/// outward, so each result contains the exact one.
public struct MPFIArithmetic: BoundArithmetic {
  public typealias Bound = Interval

  /// The precision of every enclosure, in bits.
  public let precision: Int

  /// MPFI at `precision` bits (128 by default).
  /// - Precondition: `precision >= 24`, so Float32 weights are exact.
  public init(precision: Int = Interval.defaultPrecision) {
    precondition(precision >= 24, "MPFIArithmetic needs at least 24 bits to hold Float32 weights exactly")
    self.precision = precision
  }

  public func enclosure(_ value: Rational) -> Interval { Interval(value, precision: precision) }

  public func enclosure(lower: Rational, upper: Rational) -> Interval {
    try! Interval(lower: lower, upper: upper, precision: precision)  // ordered: the precondition
  }

  public func enclosure(_ weight: Float) -> Interval { try! Interval(Double(weight), precision: precision) }

  public func sum(_ a: Interval, _ b: Interval) -> Interval { a + b }
  public func difference(_ a: Interval, _ b: Interval) -> Interval { a - b }
  public func product(_ a: Interval, _ b: Interval) -> Interval { a * b }
  public func quotient(_ a: Interval, _ b: Interval) -> Interval { try! a.dividing(by: b) }
  public func negation(_ a: Interval) -> Interval { -a }
  public func addProduct(_ accumulator: inout Interval, _ a: Interval, _ b: Interval) { accumulator += a * b }
  public func relu(_ a: Interval) -> Interval { Interval.relu(a) }
  public func lower(_ a: Interval) -> Rational { a.lower }
  public func upper(_ a: Interval) -> Rational { a.upper }

  // Directed conversions keep the sign: a lower endpoint ≥ 0 rounds down to a Double ≥ 0 (0 is
  // representable), a negative one to a negative Double; likewise for the upper endpoint.
  public func isNonnegative(_ a: Interval) -> Bool { a.doubleBounds.lower >= 0 }
  public func isNonpositive(_ a: Interval) -> Bool { a.doubleBounds.upper <= 0 }

  /// Whole layers through `IntervalLinearMap`: directed-rounding dot products on preallocated
  /// MPFR numbers, instead of an MPFI allocation per product.
  public func affineMap(rows: Int, columns: Int, weights: [Interval], bias: [Interval]) -> AffineMap<Interval>? {
    let map = IntervalLinearMap(rows: rows, columns: columns, coefficients: weights, constants: bias, precision: precision)
    return AffineMap { map.apply($0) }
  }
}
