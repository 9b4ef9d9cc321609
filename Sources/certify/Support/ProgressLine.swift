import Foundation

/// Progress of a long audit on standard error: a line redrawn in place on a terminal, a plain line
/// every tenth of the work otherwise.
enum ProgressLine {
  static func reporter(label: String) -> @Sendable (Int, Int) -> Void {
    let terminal = isatty(STDERR_FILENO) != 0
    return { done, total in
      let step = max(1, total / 10)
      if terminal {
        let end = done == total ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(total) images\u{1B}[K\(end)".utf8))
      } else if done % step == 0 || done == total {
        FileHandle.standardError.write(Data("\(label): \(done)/\(total) images\n".utf8))
      }
    }
  }
}
