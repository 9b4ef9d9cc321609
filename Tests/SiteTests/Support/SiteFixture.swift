import Foundation
@testable import Site

/// The site of the whole catalogue (Theorems/, Certificates/, Models/, Docs/Rules.md of this
/// package) plus `Fixtures/wrong.thm`, generated once for all the tests that read it.
enum SiteFixture {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let theorems = root.appendingPathComponent("Theorems").path
  static let wrong = root.appendingPathComponent("Tests/SiteTests/Fixtures/wrong.thm").path
  static let output = FileManager.default.temporaryDirectory.appendingPathComponent("certify-site-\(UUID().uuidString)")

  /// The `.thm` files of the catalogue, sorted.
  static var theoremFiles: [String] {
    let walker = FileManager.default.enumerator(atPath: theorems)
    return (walker?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".thm") }.sorted().map { theorems + "/" + $0 }
  }

  static func request(files: [String], output: URL) -> Site.Request {
    Site.Request(theoremFiles: files, theoremsFolder: theorems, certificates: root.appendingPathComponent("Certificates").path,
                 models: root.appendingPathComponent("Models").path, rules: root.appendingPathComponent("Docs/Rules.md").path,
                 output: output.path)
  }

  /// Generated once, on a thread of its own: tests await it without holding one of the few
  /// threads Swift Testing runs tests on.
  private static let generation = Task {
    await withCheckedContinuation { (done: CheckedContinuation<Result<Site.Summary, any Error>, Never>) in
      Thread.detachNewThread { done.resume(returning: Result { try Site.generate(request(files: theoremFiles + [wrong], output: output)) }) }
    }
  }

  /// The site's summary, once it is written.
  @discardableResult
  static func ready() async throws -> Site.Summary { try await generation.value.get() }

  /// The text of a generated file (relative path); call `ready()` first.
  static func text(_ path: String) throws -> String {
    try String(contentsOf: output.appendingPathComponent(path), encoding: .utf8)
  }

  /// Every file of the generated site, relative paths; call `ready()` first.
  static func files() throws -> [String] {
    let walker = FileManager.default.enumerator(atPath: output.path)
    return (walker?.compactMap { $0 as? String } ?? []).filter { !$0.hasSuffix("/") && FileManager.default.isReadableFile(atPath: output.appendingPathComponent($0).path) }
      .filter { var d: ObjCBool = false; FileManager.default.fileExists(atPath: output.appendingPathComponent($0).path, isDirectory: &d); return !d.boolValue }
      .sorted()
  }
}
