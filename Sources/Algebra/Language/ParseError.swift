/// Why a `.thm` text could not be read: where (file, 1-based line and column of the offending token)
/// and what was expected or what is wrong.
///
/// ```
/// model.thm:3:17: expected ']' but found ','
/// ```
public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
  public var location: SourceLocation
  public var message: String

  public init(_ message: String, at location: SourceLocation) {
    self.location = location
    self.message = message
  }

  public var description: String { "\(location): \(message)" }
}
