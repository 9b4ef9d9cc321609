import Foundation
import Testing

// `certify site` as a user runs it: a failed statement's site is written and exits 1; an earlier
// site is replaced; a folder of other files is refused unless --force; a parse error names its
// place and writes nothing.
@Suite("certify site")
struct SiteCLITests {
  static let theorems = """
    layer scale(n)
      input x[n]
      output y[i: n] = 3 * x[i]
      vjp x[i] = 2 * dy[i]

    """

  func run(_ folder: URL, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    // An empty models folder: no model pages, which keeps these runs short.
    let models = folder.appendingPathComponent("models")
    try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
    return try certify(["site", folder.appendingPathComponent("scale.thm").path, "--models", models.path] + arguments)
  }

  @Test func aFailedStatementsSiteIsWrittenAndReplacedOnTheNextRun() throws {
    let folder = try temporaryDirectory()
    try Self.theorems.write(to: folder.appendingPathComponent("scale.thm"), atomically: true, encoding: .utf8)
    let out = folder.appendingPathComponent("site")
    let first = try run(folder, ["--out", out.path])
    #expect(first.status == 1, "\(first.err)")
    #expect(first.out.contains("1 statements (0 certified, 1 failed)"))
    let page = try String(contentsOf: out.appendingPathComponent("theorems/other/scale/scale.x.html"), encoding: .utf8)
    #expect(page.contains("The two sides differ") && page.contains("Counterexample"))
    // The same folder again: an earlier site, replaced without --force.
    let second = try run(folder, ["--out", out.path])
    #expect(second.status == 1 && !second.err.contains("not empty"), "\(second.err)")
  }

  @Test func aFolderOfOtherFilesIsRefusedUnlessForced() throws {
    let folder = try temporaryDirectory()
    try Self.theorems.write(to: folder.appendingPathComponent("scale.thm"), atomically: true, encoding: .utf8)
    let out = folder.appendingPathComponent("mine")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    try "notes".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
    let refused = try run(folder, ["--out", out.path])
    #expect(refused.status == 1)
    #expect(refused.err.hasPrefix("error: \(out.path): the folder is not empty (1 entry) and was not written by certify site"))
    #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("index.html").path))
    let forced = try run(folder, ["--out", out.path, "--force"])
    #expect(forced.status == 1 && FileManager.default.fileExists(atPath: out.appendingPathComponent("index.html").path))
    #expect(try String(contentsOf: out.appendingPathComponent("notes.txt"), encoding: .utf8) == "notes")
  }

  @Test func aTheoremFileThatDoesNotParseIsNamedWithItsPlace() throws {
    let folder = try temporaryDirectory()
    try "dim n\ntheorem t: x[i] = = 1\n".write(to: folder.appendingPathComponent("scale.thm"), atomically: true, encoding: .utf8)
    let out = folder.appendingPathComponent("site")
    let result = try run(folder, ["--out", out.path])
    #expect(result.status == 1)
    #expect(result.err.hasPrefix("error: \(folder.appendingPathComponent("scale.thm").path):2:"), "\(result.err)")
    #expect(!FileManager.default.fileExists(atPath: out.path))
  }

  @Test func theOutputFolderIsRequiredAndAModelsFolderMustExist() throws {
    #expect(try certify(["site"]).status == 64)
    let missing = try certify(["site", "--out", "x", "--models", "/no/such/models"])
    #expect(missing.status == 64 && missing.err.contains("--models /no/such/models: no such folder"))
  }
}
