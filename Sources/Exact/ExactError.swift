/// An error from exact arithmetic: the operation has no exact answer, or its input could not be read.
public enum ExactError: Error, Equatable, Sendable {
  /// Division (or a negative power) of zero.
  case divisionByZero
  /// Text that is not a number in the accepted syntax; `position` is the offset of the first bad
  /// character (0-based, in `Character`s).
  case malformedNumber(text: String, position: Int, expected: String)
  /// A decimal exponent beyond `Rational.maximumDecimalExponent`: refused rather than allocating a
  /// number of millions of digits.
  case exponentOutOfRange(text: String)
  /// A Double that is infinite or NaN has no exact rational value.
  case notFinite(Double)
  /// An interval whose bounds are not ordered, or NaN.
  case invalidInterval(lower: String, upper: String)
  /// An interval operation outside the function's domain (log of a non-positive interval, ...).
  case outsideDomain(function: String, argument: String)
}

extension ExactError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .divisionByZero:
      return "division by zero"
    case let .malformedNumber(text, position, expected):
      return "malformed number \"\(text)\" at offset \(position): expected \(expected)"
    case let .exponentOutOfRange(text):
      return "decimal exponent out of range in \"\(text)\" (at most \(Rational.maximumDecimalExponent) in magnitude)"
    case let .notFinite(value):
      return "\(value) is not finite and has no exact value"
    case let .invalidInterval(lower, upper):
      return "invalid interval [\(lower), \(upper)]: bounds must be ordered and not NaN"
    case let .outsideDomain(function, argument):
      return "\(function) is not defined on all of \(argument)"
    }
  }
}
