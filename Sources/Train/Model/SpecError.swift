/// An error in a model spec, at a file, line and column (1-based), saying what was expected.
///
///     Models/mlp.spec:4:7: expected the layer's output width (a positive integer), found 'wide'
public struct SpecError: Error, Equatable, Sendable, CustomStringConvertible {
  public let file: String
  public let line: Int
  public let column: Int
  public let message: String

  package init(file: String, line: Int, column: Int, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.message = message
  }

  public var description: String { "\(file):\(line):\(column): \(message)" }
}
