internal import CGMP

extension Rational {
  /// The largest decimal exponent `init(parsing:)` accepts (`1e100000`); larger ones would build
  /// numbers of unbounded size from a few characters of text.
  public static let maximumDecimalExponent = 100_000

  /// Reads a fraction or a decimal, exactly.
  ///
  /// Accepted forms: `"-7/3"`, `"42"`, `"0.1"` (exactly 1/10), `"-.5"`, `"1e-3"`, `"2.5E+4"`. No
  /// spaces. A fraction's denominator is an unsigned integer other than 0.
  /// - Throws: `ExactError.malformedNumber` with the offset of the first bad character,
  ///   `ExactError.divisionByZero` for `"1/0"`, `ExactError.exponentOutOfRange` for huge exponents.
  public init(parsing text: String) throws {
    if let slash = text.firstIndex(of: "/") {
      let numerator = try Integer(parsing: String(text[..<slash]))
      let tail = text[text.index(after: slash)...]
      if let bad = tail.firstIndex(where: { !$0.isASCIIDigit }) {
        throw DecimalText.malformed(text, at: bad, expected: "a digit")
      }
      if tail.isEmpty { throw DecimalText.malformed(text, at: tail.startIndex, expected: "a digit") }
      try self.init(numerator: numerator, denominator: try Integer(parsing: String(tail)))
      return
    }
    let (negative, digits, exponent) = try DecimalText.decimal(text)
    var value = Rational(try Integer(parsing: digits))
    let scale = Rational(Integer(10).power(UInt(exponent.magnitude)))
    value = exponent >= 0 ? value * scale : value / scale
    self = negative ? -value : value
  }
}
