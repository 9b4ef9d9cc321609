import Algebra
import Foundation

/// Finding and reading theorem files.
enum TheoremFiles {
  /// The `.thm` files under `directory`, sorted.
  static func list(in directory: String) throws -> [String] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
      let walker = FileManager.default.enumerator(atPath: directory)
    else {
      throw FileError(path: directory, reason: "no such folder")
    }
    return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".thm") }.sorted().map { directory + "/" + $0 }
  }

  static func load(_ path: String) throws -> Document {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw FileError(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
    }
    return try TheoremLanguage.parse(String(decoding: data, as: UTF8.self), file: path)
  }
}
