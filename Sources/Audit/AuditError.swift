import Exact

/// An error from reading weights or data, or from an audit's inputs.
public enum AuditError: Error, Equatable, Sendable {
  /// The file could not be read at all.
  case unreadableFile(path: String, reason: String)
  /// An output file or directory could not be written.
  case unwritableFile(path: String, reason: String)
  /// The file is not a zip archive (an `.npz` is one).
  case notAnArchive(path: String, reason: String)
  /// An archive member could not be extracted: bad compression or checksum.
  case corruptEntry(name: String, reason: String)
  /// The data does not start with the `.npy` magic `\x93NUMPY`.
  case badMagic(array: String)
  /// An `.npy` format version other than 1.0, 2.0 and 3.0.
  case unsupportedVersion(array: String, major: Int, minor: Int)
  /// The `.npy` header dictionary could not be read; `reason` says where.
  case malformedHeader(array: String, reason: String)
  /// A dtype (`descr`) this reader does not handle, or one not allowed where it was found.
  case unsupportedDType(array: String, descr: String, allowed: [String])
  /// Fewer (or more) data bytes than the header's shape and dtype call for.
  case truncatedData(array: String, expectedBytes: Int, actualBytes: Int)
  /// An array name the reader does not expect (a network archive holds `arr_0`, `arr_1`, ...).
  case unexpectedArrayName(String, expected: String)
  /// The archive's arrays are not the expected set (`arr_0` ... `arr_{n-1}`, n even and ≥ 2).
  case wrongArrayCount(found: Int, reason: String)
  /// An array's shape does not fit the network: rank, or width not chaining with its neighbour.
  case shapeMismatch(array: String, shape: [Int], expected: String)
  /// A float64 value that has no exact Float32 value: Certify audits Float32 networks.
  case notFloat32(array: String, index: Int, value: Double)
  /// A weight or bias that is infinite or NaN.
  case nonFiniteWeight(array: String, index: Int)
  /// A layer with no bound transformer for the tier asked (`position` counts from 1).
  case unsupportedLayer(position: Int, kind: String, tier: String)
  /// A network, data set or audit parameter that does not fit (widths, labels, ε).
  case invalidArgument(String)
}

extension AuditError: CustomStringConvertible {
  public var description: String {
    // Names come from the file: each is cut to a readable length (MessageText).
    func cut(_ text: String) -> String { MessageText.cut(text) }
    switch self {
    case let .unreadableFile(path, reason):
      return "cannot read \(cut(path)): \(reason)"
    case let .unwritableFile(path, reason):
      return "cannot write \(cut(path)): \(reason)"
    case let .notAnArchive(path, reason):
      return "\(cut(path)) is not a zip archive (.npz): \(reason)"
    case let .corruptEntry(name, reason):
      return "archive member \(cut(name)) cannot be extracted: \(reason)"
    case let .badMagic(array):
      return "\(cut(array)): not a .npy array (missing the \\x93NUMPY magic)"
    case let .unsupportedVersion(array, major, minor):
      return "\(cut(array)): .npy format version \(major).\(minor) is not supported (1.0, 2.0, 3.0 are)"
    case let .malformedHeader(array, reason):
      return "\(cut(array)): malformed .npy header: \(reason)"
    case let .unsupportedDType(array, descr, allowed):
      return "\(cut(array)): dtype '\(cut(descr))' is not supported here (allowed: \(allowed.map { "'\($0)'" }.joined(separator: ", ")))"
    case let .truncatedData(array, expected, actual):
      return actual < expected
        ? "\(cut(array)): truncated data: \(actual) bytes, the header calls for \(expected)"
        : "\(cut(array)): \(actual - expected) bytes of data past the \(expected) the header calls for"
    case let .unexpectedArrayName(name, expected):
      return "unexpected array '\(cut(name))' in the archive: expected \(expected)"
    case let .wrongArrayCount(found, reason):
      return "the archive holds \(found) arrays: \(reason)"
    case let .shapeMismatch(array, shape, expected):
      return "\(cut(array)) has shape (\(shape.map(String.init).joined(separator: ", "))): expected \(expected)"
    case let .notFloat32(array, index, value):
      return "\(cut(array))[\(index)] = \(value) has no exact Float32 value: Certify audits Float32 networks"
    case let .nonFiniteWeight(array, index):
      return "\(cut(array))[\(index)] is infinite or NaN"
    case let .unsupportedLayer(position, kind, tier):
      return "layer \(position) (\(cut(kind))) has no \(tier) bound transformer, so the audit cannot bound it"
    case let .invalidArgument(message):
      return message
    }
  }
}
