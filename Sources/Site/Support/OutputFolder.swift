import Foundation

/// The folder a site is written to, and the rule that protects what is already there.
///
/// A site is written only into a folder that does not exist yet (it is created), an empty one, or
/// one that an earlier `certify site` wrote: such a folder holds `certify-site.txt`, which lists the
/// files that run wrote. Those files are removed before the new site is written, so pages of
/// statements that no longer exist do not linger; any other file is left alone. A non-empty folder
/// without that list is refused unless `force` is set, and then only the site's own files are
/// written (replacing files of the same names); nothing else is removed.
struct OutputFolder {
  /// The file naming the folder as a site, and listing what it wrote.
  static let manifest = "certify-site.txt"
  static let manifestHeader = "# Written by certify site: the files of a generated proof explorer. Safe to delete with them."

  let path: String
  /// The files an earlier site wrote (relative paths), to remove before writing.
  private(set) var previous: [String] = []

  /// Checks the folder before any work: it must be new, empty, an earlier site, or `force`d.
  /// - Throws: `SiteError.notAFolder`, `SiteError.notASite`.
  init(_ path: String, force: Bool) throws {
    self.path = path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return }
    guard isFolder.boolValue else { throw SiteError.notAFolder(path) }
    let entries = try FileManager.default.contentsOfDirectory(atPath: path)
    if let data = FileManager.default.contents(atPath: path + "/" + OutputFolder.manifest) {
      let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
      if lines.first == OutputFolder.manifestHeader {
        previous = lines.dropFirst().filter(OutputFolder.isSafeRelativePath)
        return
      }
    }
    if !entries.isEmpty && !force { throw SiteError.notASite(path, entries: entries.count) }
  }

  /// A relative path inside the folder: no leading `/`, no `.` or `..` segment, no empty segment.
  static func isSafeRelativePath(_ p: String) -> Bool {
    !p.isEmpty && !p.hasPrefix("/") && p.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
  }

  /// Removes the earlier site's files, writes `files` and the manifest.
  /// - Throws: `SiteError.write` naming the file that could not be written.
  func write(_ files: [SiteFile]) throws {
    let fm = FileManager.default
    for p in previous {
      var isFolder: ObjCBool = false
      let full = path + "/" + p
      if fm.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue { try? fm.removeItem(atPath: full) }
    }
    let all = files + [SiteFile(path: OutputFolder.manifest, text: ([OutputFolder.manifestHeader] + files.map(\.path)).joined(separator: "\n") + "\n")]
    for file in all {
      precondition(OutputFolder.isSafeRelativePath(file.path), "a site file path must stay in the folder")
      let url = URL(fileURLWithPath: path + "/" + file.path)
      do {
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(file.text.utf8).write(to: url, options: .atomic)
      } catch {
        throw SiteError.write(url.path, "\(error.localizedDescription)")
      }
    }
  }
}
