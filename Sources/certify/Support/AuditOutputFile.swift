import Audit
import Foundation

/// An output file of an audit command (`--per-image`, `--enclosures`): its directory is checked
/// before the audit starts, which can take minutes, and the file is replaced atomically.
enum AuditOutputFile {
  /// - Throws: `AuditError.unwritableFile` when the file's directory is missing or not writable.
  static func check(_ path: String) throws(AuditError) {
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    guard FileManager.default.isWritableFile(atPath: directory) else {
      throw AuditError.unwritableFile(path: path, reason: "its directory \(directory) does not exist or is not writable")
    }
  }

  /// - Throws: `AuditError.unwritableFile` with the system's reason.
  static func write(_ data: Data, to path: String) throws(AuditError) {
    do {
      try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw AuditError.unwritableFile(path: path, reason: error.localizedDescription)
    }
  }
}
