import Exact

/// A file or folder a command cannot read, and why: one `error: PATH: REASON` line.
struct FileError: Error, CustomStringConvertible {
  var path: String
  var reason: String

  var description: String { "\(MessageText.cut(path, to: 200)): \(reason)" }
}
