#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file a command writes (`train --out`, `audit robustness --plot`, `list --output`, ...): checked
/// before any long work starts, then written whole or not at all.
///
/// Every output option of the command line goes through this one type, so they all behave alike:
///
/// - **Regular files only.** A folder, a device (`/dev/null`, `/dev/full`), a FIFO or a socket is
///   refused: replacing one by a regular file is never what was meant (as root, a rename over
///   `/dev/full` turns the device into a file).
/// - **Symbolic links are followed**, as a shell's `>` does: the file the link names is replaced
///   and the link stays. A link to a missing file creates that file, if its folder exists.
/// - **Atomic.** The bytes go to a temporary file in the destination's folder, are flushed to disk,
///   and the temporary file is renamed over the destination: a reader sees the old file or the new
///   one, never half of one, and a failure (a full disk) leaves the old file as it was. A new file
///   gets the permissions `0666` less the umask; a replaced one keeps its permissions.
/// - **Checked early.** `OutputFile(path)` resolves the path and checks that its folder exists and
///   takes a new file (by creating and removing a probe), so a typo is reported before a training
///   run, not after it.
///
/// ```swift
/// let out = try OutputFile("runs/mlp.ckpt")   // fails now if runs/ is missing
/// ... long work ...
/// try out.write(bytes)
/// ```
package struct OutputFile: Sendable {
  /// The path as given (messages name it).
  package let path: String
  /// The file actually written: `path` with symbolic links followed.
  package let target: String

  /// How many links are followed before giving up (Linux's own limit is 40).
  static let maximumLinks = 40

  /// Resolves `path` and checks that a regular file can be written there.
  /// - Throws: `OutputFileError` saying what is wrong with the destination.
  package init(_ path: String) throws(OutputFileError) {
    guard !path.isEmpty else { throw OutputFileError(path: path, reason: "the path is empty") }
    self.path = path
    target = try OutputFile.resolve(path)
    try check()
  }

  /// The destination is a regular file or nothing, and its folder takes a new file.
  package func check() throws(OutputFileError) {
    var info = stat()
    if stat(target, &info) == 0 {
      let kind = info.st_mode & S_IFMT
      if kind == S_IFDIR { throw fail("is a folder; name a file in it") }
      if kind == S_IFCHR || kind == S_IFBLK { throw fail("is a device, not a regular file; output goes to regular files only") }
      if kind != S_IFREG { throw fail("is not a regular file (a FIFO or socket); output goes to regular files only") }
    } else if errno != ENOENT {
      throw fail(String(cString: strerror(errno)))
    }
    let folder = OutputFile.folder(of: target)
    var folderInfo = stat()
    guard stat(folder, &folderInfo) == 0 else {
      throw fail("its folder \(folder) does not exist")
    }
    guard folderInfo.st_mode & S_IFMT == S_IFDIR else { throw fail("\(folder) is not a folder") }
    // A probe, not access(2): it also catches read-only file systems and root's view of them.
    let (descriptor, probe) = OutputFile.temporaryFile(in: folder, for: target)
    guard descriptor >= 0 else { throw fail("cannot create a file in \(folder): \(String(cString: strerror(errno)))") }
    close(descriptor)
    unlink(probe)
  }

  /// Writes `bytes` to the destination atomically (see the type's documentation).
  /// - Throws: `OutputFileError` when the destination changed kind since `init` or the write
  ///   fails; the destination is then untouched and no temporary file is left.
  package func write(_ bytes: [UInt8]) throws(OutputFileError) {
    try check()
    let folder = OutputFile.folder(of: target)
    let (descriptor, temporary) = OutputFile.temporaryFile(in: folder, for: target)
    guard descriptor >= 0 else { throw fail("cannot create a file in \(folder): \(String(cString: strerror(errno)))") }
    var failure: String?
    bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno))
          return
        }
        offset += written
      }
    }
    if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    if failure == nil { fchmod(descriptor, OutputFile.mode(replacing: target)) }
    close(descriptor)
    if failure == nil, rename(temporary, target) != 0 { failure = String(cString: strerror(errno)) }
    if let failure {
      unlink(temporary)
      throw fail("cannot write: \(failure)")
    }
  }

  /// Writes UTF-8 text.
  package func write(_ text: String) throws(OutputFileError) { try write(Array(text.utf8)) }

  private func fail(_ reason: String) -> OutputFileError {
    OutputFileError(path: path == target ? path : "\(path) (-> \(target))", reason: reason)
  }

  // MARK: - Paths

  /// `path` with symbolic links of its last component followed (the folders are the kernel's
  /// business: `rename` follows them).
  static func resolve(_ path: String) throws(OutputFileError) -> String {
    var current = path
    for _ in 0...maximumLinks {
      var info = stat()
      guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let length = readlink(current, &buffer, buffer.count - 1)
      guard length >= 0 else { throw OutputFileError(path: path, reason: "cannot read the link: \(String(cString: strerror(errno)))") }
      let link = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      current = link.hasPrefix("/") ? link : folder(of: current) + "/" + link
    }
    throw OutputFileError(path: path, reason: "too many levels of symbolic links")
  }

  /// The folder holding `path` (`.` for a bare name).
  static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// A new, empty file beside `target` (`.NAME.XXXXXX`), open for writing; -1 on failure.
  static func temporaryFile(in folder: String, for target: String) -> (Int32, String) {
    let name = target.split(separator: "/").last.map(String.init) ?? "output"
    var template = Array((folder + "/." + name.prefix(64) + ".XXXXXX").utf8CString)
    let descriptor = mkstemp(&template)
    return (descriptor, String(cString: template))
  }

  /// The permissions of the file written: those of the file replaced, else `0666` less the umask.
  static func mode(replacing target: String) -> mode_t {
    var info = stat()
    if stat(target, &info) == 0 { return info.st_mode & 0o7777 }
    let mask = umask(0)
    umask(mask)
    return 0o666 & ~mask
  }
}

/// `write(2)`, named apart from `OutputFile.write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, bytes, count)
}

/// Why an output file cannot be written: the path as given and the reason.
public struct OutputFileError: Error, Equatable, Sendable, CustomStringConvertible {
  public let path: String
  public let reason: String

  public var description: String { "\(path): \(reason)" }
}
