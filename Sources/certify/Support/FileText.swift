import Foundation
import Train

/// Reads a file, or nil when it does not exist.
func readFile(_ path: String) -> String? {
  FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

/// Writes `text` to `file` (a regular file, atomically: `OutputFile`) when it differs; true when
/// it changed.
@discardableResult
func writeIfChanged(_ text: String, to file: OutputFile) throws -> Bool {
  if readFile(file.target) == text { return false }
  try file.write(text)
  return true
}
