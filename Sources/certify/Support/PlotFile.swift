import Audit
import Foundation
import Train

/// The `--plot` file: a regular file (`OutputFile`), written only where nothing is, or over an
/// earlier plot of this command, unless `--overwrite` says otherwise.
enum PlotFile {
  static let signature = "<!-- certify audit robustness -->"

  /// The destination, checked (before the audit runs).
  static func check(_ path: String, overwrite: Bool) throws -> OutputFile {
    let file = try OutputFile(path)
    guard !overwrite, FileManager.default.fileExists(atPath: file.target) else { return file }
    let head = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: file.target)).read(upToCount: 256)) ?? nil
    guard let head, String(decoding: head, as: UTF8.self).hasPrefix(signature) else {
      throw AuditError.invalidArgument("\(path) exists and was not written by 'certify audit robustness'; pass --overwrite to replace it")
    }
    return file
  }

  static func write(_ svg: String, to file: OutputFile) throws {
    try file.write(signature + "\n" + svg)
  }
}
