import Foundation
import Testing

// The examples of README.md and Docs/*.md are copied into Generated/ by scripts/check-doc-examples,
// so building this target compiles them. These tests hold the copies to the documents.

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// Runs scripts/check-doc-examples with `arguments`; its exit status and standard error.
private func runScript(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
  let process = Process()
  process.executableURL = packageRoot.appendingPathComponent("scripts/check-doc-examples")
  process.arguments = arguments
  let errors = Pipe()
  process.standardError = errors
  process.standardOutput = FileHandle.nullDevice
  try process.run()
  let data = errors.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite struct DocExamplesTests {
  @Test func theCompiledExamplesAreTheDocumentsExamples() throws {
    let (status, stderr) = try runScript(["--check"])
    #expect(status == 0, "\(stderr)")
  }

  /// The failing twin: a copy of the package whose document has an edited example is not current.
  @Test func anEditedExampleIsNoticed() throws {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("doc-examples-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: copy) }
    // The documents with examples: Docs, the README and the DocC articles (Sources/*/*.docc).
    let catalogs = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Sources").path)
      .map { "Sources/\($0)/\($0).docc" }
      .filter { FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent($0).path) }
    #expect(!catalogs.isEmpty)
    for folder in ["Docs", "Tests/DocExamplesTests"] + catalogs {
      try FileManager.default.createDirectory(
        at: copy.appendingPathComponent(folder).deletingLastPathComponent(), withIntermediateDirectories: true)
      try FileManager.default.copyItem(at: packageRoot.appendingPathComponent(folder), to: copy.appendingPathComponent(folder))
    }
    try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("README.md"), to: copy.appendingPathComponent("README.md"))
    #expect(try runScript(["--check", "--root", copy.path]).status == 0)

    let training = copy.appendingPathComponent("Docs/Training.md")
    let text = try String(contentsOf: training, encoding: .utf8)
    try text.replacingOccurrences(of: "seed: 1)", with: "seed: 2)").write(to: training, atomically: true, encoding: .utf8)
    let (status, stderr) = try runScript(["--check", "--root", copy.path])
    #expect(status == 1)
    #expect(stderr.contains("is not current"))
  }

  /// A block marked `<!-- fragment -->` is not copied.
  @Test func fragmentsAreSkipped() throws {
    let generated = try String(
      contentsOf: packageRoot.appendingPathComponent("Tests/DocExamplesTests/Generated/Training.swift"), encoding: .utf8)
    #expect(generated.contains("Dense.backward"))
    #expect(!FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent(
      "Tests/DocExamplesTests/Generated/TheoremLanguage.swift").path))
  }
}
