import Exact

/// A closed interval of rationals `[lower, upper]`: the enclosures of the exact tier.
public struct RationalInterval: Sendable, Equatable {
  public let lower: Rational
  public let upper: Rational

  /// `[lower, upper]`.
  /// - Precondition: `lower <= upper`.
  public init(lower: Rational, upper: Rational) {
    precondition(lower <= upper, "RationalInterval: lower bound above upper bound")
    self.lower = lower
    self.upper = upper
  }

  /// The point `[value, value]`.
  public init(_ value: Rational) {
    lower = value
    upper = value
  }

  var isPoint: Bool { lower == upper }
}

/// Exact interval arithmetic on rationals: no rounding at all, so its IBP and CROWN bounds are
/// those of the definitions themselves. The reference for small networks; slow on large ones
/// (denominators grow).
public struct ExactArithmetic: BoundArithmetic {
  public typealias Bound = RationalInterval

  public init() {}

  public func enclosure(_ value: Rational) -> Bound { RationalInterval(value) }
  public func enclosure(lower: Rational, upper: Rational) -> Bound { RationalInterval(lower: lower, upper: upper) }
  public func enclosure(_ weight: Float) -> Bound { RationalInterval(Rational(exactlyFloat: weight)) }

  public func sum(_ a: Bound, _ b: Bound) -> Bound {
    a.isPoint && b.isPoint ? RationalInterval(a.lower + b.lower) : RationalInterval(lower: a.lower + b.lower, upper: a.upper + b.upper)
  }

  public func difference(_ a: Bound, _ b: Bound) -> Bound {
    a.isPoint && b.isPoint ? RationalInterval(a.lower - b.lower) : RationalInterval(lower: a.lower - b.upper, upper: a.upper - b.lower)
  }

  public func product(_ a: Bound, _ b: Bound) -> Bound {
    if a.isPoint { return scaled(b, by: a.lower) }
    if b.isPoint { return scaled(a, by: b.lower) }
    let candidates = [a.lower * b.lower, a.lower * b.upper, a.upper * b.lower, a.upper * b.upper]
    return RationalInterval(lower: candidates.min()!, upper: candidates.max()!)
  }

  public func quotient(_ a: Bound, _ b: Bound) -> Bound {
    precondition(b.lower > 0 || b.upper < 0, "ExactArithmetic.quotient: divisor contains 0")
    return product(a, RationalInterval(lower: 1 / b.upper, upper: 1 / b.lower))
  }

  public func negation(_ a: Bound) -> Bound { RationalInterval(lower: -a.upper, upper: -a.lower) }

  public func addProduct(_ accumulator: inout Bound, _ a: Bound, _ b: Bound) {
    if a.lower.isZero && a.upper.isZero || b.lower.isZero && b.upper.isZero { return }
    accumulator = sum(accumulator, product(a, b))
  }

  public func relu(_ a: Bound) -> Bound {
    RationalInterval(lower: a.lower.signum > 0 ? a.lower : 0, upper: a.upper.signum > 0 ? a.upper : 0)
  }

  public func lower(_ a: Bound) -> Rational { a.lower }
  public func upper(_ a: Bound) -> Rational { a.upper }
  public func isNonnegative(_ a: Bound) -> Bool { a.lower.signum >= 0 }
  public func isNonpositive(_ a: Bound) -> Bool { a.upper.signum <= 0 }

  private func scaled(_ x: Bound, by c: Rational) -> Bound {
    if x.isPoint { return RationalInterval(c * x.lower) }
    return c.signum >= 0
      ? RationalInterval(lower: c * x.lower, upper: c * x.upper)
      : RationalInterval(lower: c * x.upper, upper: c * x.lower)
  }
}
