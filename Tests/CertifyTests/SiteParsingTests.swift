import ArgumentParser
import Testing

@testable import certify

// `certify site`: its options, each accepted input with a refused twin, and the request it makes.
@Suite struct SiteParsingTests {
  @Test func siteNeedsAnOutputFolder() throws {
    let models = packageFolder("Models")
    let command = try SiteCommand.parse(["--out", "site", "a.thm", "./b.thm", "--force", "--models", models, "--rules", "R.md"])
    let request = try command.request()
    #expect(request.output == "site" && request.force && request.models == models && request.rules == "R.md")
    #expect(throws: (any Error).self) { try SiteCommand.parse(["--out", "site", "--models", packageFolder("NoSuchModels")]) }
    #expect(request.theoremFiles == ["a.thm", "b.thm"])
    #expect(throws: (any Error).self) { try SiteCommand.parse(["a.thm"]) }
    #expect(throws: (any Error).self) { try SiteCommand.parse(["--out", ""]) }
  }

  @Test func withoutFilesTheSiteShowsTheTheoremsFolder() throws {
    let request = try SiteCommand.parse(["--out", "site", "--theorems", packageFolder("Theorems")]).request()
    #expect(request.theoremFiles.count >= 6 && request.theoremFiles.allSatisfy { $0.hasSuffix(".thm") })
    #expect(!request.force)
    #expect(throws: (any Error).self) { try SiteCommand.parse(["--out", "site", "--theorems", packageFolder("NoSuchFolder")]).request() }
  }

  private func packageFolder(_ name: String) -> String {
    let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
    return "/" + root + "/" + name
  }
}
