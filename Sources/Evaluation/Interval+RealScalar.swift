public import Exact

public import Intervals
/// Intervals as enclosures of reals (MPFI, rounded outward): every operation returns an interval
/// containing the exact result for every point of its operands.
///
/// Questions are answered only when the enclosure decides them: the sign is known when the interval
/// does not contain 0 (or is exactly `[0, 0]`), two values certainly differ when their intervals are
/// disjoint, and are certainly equal only when both are the same point. Where a function may be
/// undefined somewhere on the interval (`log` of an interval reaching 0, `1/x` of one containing 0),
/// the operation throws `undefined` rather than return an unbounded enclosure.
extension Interval: RealScalar {
  // `init(_:precision:)` is Interval's own: the tightest enclosure of a rational.

  /// π, one ulp wide (MPFR's correctly rounded constant).
  public static func enclosingPi(precision: Int) -> Interval { pi(precision: precision) }

  public var knownSign: Int? {
    if contains(Rational(0)) { return isPoint ? 0 : nil }
    // 0 is outside: the upper endpoint rounded up keeps its sign (a negative one rounds to -0 at
    // worst, which is not > 0).
    return doubleBounds.upper > 0 ? 1 : -1
  }

  public func agrees(with other: Interval) -> Bool? {
    if isDisjoint(from: other) { return false }
    return isPoint && other.isPoint ? true : nil  // two points that meet are the same point
  }

  public var positivePart: Interval { Interval.relu(self) }

  public func inverted() throws -> Interval {
    guard let sign = knownSign, sign != 0 else {
      throw EvaluationError.undefined("1/\(self): the enclosure contains 0")
    }
    return try undefinedOnFailure("1/\(self)") { try reciprocal() }
  }

  /// The integer power for integer `q` (tight for even powers of an interval straddling 0); for
  /// fractional `q`, the exact root when the interval is a rational point that is a perfect power,
  /// else `exp(q log x)` for a positive interval.
  public func raised(to q: Rational) throws -> Interval {
    var text: String { "\(self)^(\(q))" }  // for errors only: printing is slow
    if q.isInteger {
      guard let n = Int(exactly: q.numerator) else {
        throw EvaluationError.unsupported("the exponent of \(text) is too large")
      }
      if n < 0, knownSign == nil || knownSign == 0 {
        throw EvaluationError.undefined("\(text): a negative power of an enclosure containing 0")
      }
      return try undefinedOnFailure(text) { try power(n) }
    }
    if isBounded, isPoint, let exact = try? lower.raised(to: q) { return Interval(exact, precision: precision) }
    switch knownSign {
    case 1: return Interval.exp(try undefinedOnFailure(text) { try Interval.log(self) } * q)
    case 0 where q.signum > 0: return self
    default: throw EvaluationError.undefined("\(text): a fractional power of a number that may be <= 0")
    }
  }

  public func applying(_ f: Transcendental) throws -> Interval {
    switch f {
    case .exp: return Interval.exp(self)
    case .log:
      guard knownSign == 1 else { throw EvaluationError.undefined("log(\(self)): log needs a positive argument") }
      return try undefinedOnFailure("log(\(self))") { try Interval.log(self) }
    case .tanh: return Interval.tanh(self)
    case .sigmoid: return Interval.sigmoid(self)
    case .erf: return Interval.erf(self)
    }
  }
}

/// `body()`, with an `ExactError` from MPFI (a domain already checked, so not expected) reported as
/// `EvaluationError.undefined`.
/// The message is built only on failure: printing an interval costs more than most operations on it.
private func undefinedOnFailure<T>(_ what: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
  do { return try body() } catch let error as EvaluationError { throw error } catch {
    throw EvaluationError.undefined("\(what()): \(error)")
  }
}
