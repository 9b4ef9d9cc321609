internal import CZlib
import Foundation

/// A gzip file opened for reading through zlib (`gzopen`/`gzread`); closed with its last owner.
/// A file that is not gzip-compressed is read as is, as zlib does.
final class GzipReader {
  let path: String
  private let file: gzFile

  /// - Throws: `TrainingError.fileNotFound` or `.unreadable`.
  init(path: String) throws {
    self.path = path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw TrainingError.fileNotFound(path: path)
    }
    guard !isDirectory.boolValue else { throw TrainingError.unreadable(path: path, reason: "is a directory") }
    guard let file = gzopen(path, "rb") else {
      throw TrainingError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    self.file = file
  }

  deinit { gzclose(file) }

  /// Reads up to `count` bytes into `buffer`; returns how many were read (fewer at end of file).
  ///
  /// - Throws: `TrainingError.badDataFile` when the compressed stream is corrupt.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    var done = 0
    while done < buffer.count {
      let chunk = UInt32(min(buffer.count - done, 1 << 30))
      let got = gzread(file, buffer.baseAddress! + done, chunk)
      if got < 0 {
        var code: Int32 = 0
        let message = gzerror(file, &code).map { String(cString: $0) } ?? "gzip error \(code)"
        throw TrainingError.badDataFile(path: path, reason: "corrupt gzip data (\(message))")
      }
      if got == 0 { break }
      done += Int(got)
    }
    return done
  }

  /// Exactly `count` bytes, or an error naming `what` was cut short.
  func read(exactly count: Int, what: String) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    let got = try bytes.withUnsafeMutableBytes { try read(into: $0) }
    guard got == count else {
      throw TrainingError.badDataFile(
        path: path, reason: "truncated: \(what) needs \(count) bytes, the file has \(got)")
    }
    return bytes
  }

  /// Whether the file has nothing left to read.
  func isAtEnd() throws -> Bool {
    var byte: UInt8 = 0
    return try withUnsafeMutableBytes(of: &byte) { try read(into: $0) } == 0
  }
}
