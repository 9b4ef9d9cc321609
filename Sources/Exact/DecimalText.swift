/// The scanner behind `Integer(parsing:)` and `Rational(parsing:)`: it validates text before any of
/// it reaches GMP, so GMP only ever sees plain digit strings.
internal enum DecimalText {
  /// An optional sign then one or more ASCII digits, running to the end of `text`.
  static func signedDigits(
    _ text: String, from start: String.Index, whole: String
  ) throws -> (negative: Bool, digits: String) {
    var index = start
    var negative = false
    if index < text.endIndex, text[index] == "-" || text[index] == "+" {
      negative = text[index] == "-"
      index = text.index(after: index)
    }
    let digits = text[index...]
    if let bad = digits.firstIndex(where: { !$0.isASCIIDigit }) {
      throw malformed(whole, at: bad, expected: "a digit")
    }
    if digits.isEmpty { throw malformed(whole, at: index, expected: "a digit") }
    return (negative, String(digits))
  }

  /// The parts of `[sign] digits [. digits] [(e|E) [sign] digits]`, with at least one digit before
  /// or after the point.
  static func decimal(_ text: String) throws -> (negative: Bool, digits: String, exponent: Int) {
    var index = text.startIndex
    var negative = false
    if index < text.endIndex, text[index] == "-" || text[index] == "+" {
      negative = text[index] == "-"
      index = text.index(after: index)
    }
    var digits = ""
    var fractionDigits = 0
    var sawPoint = false
    while index < text.endIndex, text[index].isASCIIDigit || (text[index] == "." && !sawPoint) {
      if text[index] == "." { sawPoint = true } else {
        digits.append(text[index])
        if sawPoint { fractionDigits += 1 }
      }
      index = text.index(after: index)
    }
    if digits.isEmpty { throw malformed(text, at: index, expected: "a digit") }
    var exponent = 0
    if index < text.endIndex {
      guard text[index] == "e" || text[index] == "E" else {
        throw malformed(text, at: index, expected: "a digit, '.', 'e' or '/'")
      }
      let (expNegative, expDigits) = try signedDigits(text, from: text.index(after: index), whole: text)
      guard expDigits.count <= 12, let magnitude = Int(expDigits),
        magnitude <= Rational.maximumDecimalExponent
      else { throw ExactError.exponentOutOfRange(text: text) }
      exponent = expNegative ? -magnitude : magnitude
    }
    return (negative, digits, exponent - fractionDigits)
  }

  static func malformed(_ text: String, at index: String.Index, expected: String) -> ExactError {
    .malformedNumber(text: text, position: text.distance(from: text.startIndex, to: index), expected: expected)
  }
}

extension Character {
  var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
