/// Why a certificate could not be read or written: every case names what failed and where.
///
/// Offsets count characters from the start of the text in question: the whole file for JSON
/// syntax, the field's string for an S-expression. A field is named by its path in the file, such
/// as `steps[3].target` or `definitions[0].definition`; `step` is the number of the step the field
/// belongs to, when it belongs to one.
public enum CertificateError: Error, Equatable, Sendable {
  /// The file is not well-formed JSON.
  case syntax(offset: Int, reason: String)
  /// A field is missing, has the wrong type, is not expected here, or has a value the format does
  /// not allow.
  case field(String, step: Int?, reason: String)
  /// An S-expression is malformed, not in the kernel's printing, or refused by a kernel constructor.
  case expression(field: String, step: Int?, offset: Int, reason: String)
  /// The `format` field names a version this reader does not know.
  case unsupportedFormat(String)
  /// Two different definitions share a name, so printing by name would be ambiguous.
  case ambiguousDefinition(String)
  /// The store: a file could not be read or written, a name was not found or found twice, or a name
  /// or source path cannot be mapped to a file.
  case store(path: String, reason: String)

  /// The step the error is in, when it is in one.
  public var step: Int? {
    switch self {
    case let .field(_, step, _), let .expression(_, step, _, _): return step
    default: return nil
    }
  }
}

extension CertificateError: CustomStringConvertible {
  public var description: String {
    switch self {
    case let .syntax(offset, reason): return "JSON, character \(offset): \(reason)"
    case let .field(field, _, reason): return "\(field): \(reason)"
    case let .expression(field, _, offset, reason): return "\(field), character \(offset): \(reason)"
    case let .unsupportedFormat(format): return "format: unknown version \"\(format)\" (this reader knows \"\(Certificate.format)\")"
    case let .ambiguousDefinition(name): return "two different definitions are named \(name)"
    case let .store(path, reason): return "\(path): \(reason)"
    }
  }
}
