import Foundation
import Testing
@testable import Site

// The generated site in a real browser: headless Chromium (Debian's `chromium`, which `make deps`
// and CI install) loads every page; its DOM is checked, the console must stay silent, and
// screenshots must show something. Without the browser these tests are skipped with a message,
// except in CI (`CI` set), where that is a failure.
@Suite(.enabled(if: Chromium.path != nil || Chromium.required, "headless Chromium is not installed (apt-get install chromium, or make deps)"))
struct BrowserTests {
  @Test func everyPageLoadsWithItsMathematicsLinksAndSearchAndNoConsoleMessage() async throws {
    try await SiteFixture.ready()
    let files = try SiteFixture.files().filter { $0.hasSuffix(".html") }
    let pages = files.map { SiteFixture.output.appendingPathComponent($0) }
    let harness = FileManager.default.temporaryDirectory.appendingPathComponent("certify-harness-\(UUID().uuidString).html")
    defer { try? FileManager.default.removeItem(at: harness) }
    try BrowserHarness.page(pages: pages).write(to: harness, atomically: true, encoding: .utf8)
    // One browser loads every page of the site (about 200): minutes on a loaded 2-core machine.
    // file:// pages are each their own origin; the harness reads the iframes' DOM with this flag
    // (the site itself needs no flag).
    let run = try await Chromium.run(["--allow-file-access-from-files", "--enable-logging=stderr", "--v=0",
                                "--virtual-time-budget=600000", "--dump-dom"], url: harness, seconds: 360)
    let json = try #require(run.stdout.components(separatedBy: "<pre id=\"result\">").dropFirst().first?.components(separatedBy: "</pre>").first,
                            "the harness did not finish: \(run.stderr.suffix(2000))")
    let result = try #require(try JSONSerialization.jsonObject(with: Data(json.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&").utf8)) as? [String: Any])
    #expect(result["failures"] as? [String] == [], "\(result["failures"] ?? "")")
    #expect(result["pages"] as? Int == pages.count)
    #expect((result["maths"] as? Int ?? 0) > 1000)
    #expect((result["fractions"] as? Int ?? 0) > 50)
    #expect((result["links"] as? Int ?? 0) > 1000)
    let search = try #require(result["search"] as? [String: Any])
    let total = search["total"] as? Int ?? 0, shown = search["shown"] as? Int ?? 0
    #expect(shown > 0 && shown < total, "searching relu shows \(shown) of \(total) rows")
    #expect(search["restored"] as? Int == total)
    #expect(search["status"] as? String == "\(shown) statements match")
    // Every console message of a page (an uncaught error, a warning) fails the test.
    let console = run.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") && !$0.contains("certify-harness: done") }
    #expect(console.isEmpty, "\(console.joined(separator: "\n"))")
    #expect(run.stderr.contains("certify-harness: done"), "the console was not captured")
  }

  @Test(arguments: ["index.html", "theorems/layers/relu.x.html", "theorems/other/wrong/square.x.html"])
  func aScreenshotShowsThePage(page: String) async throws {
    try await SiteFixture.ready()
    let image = try await screenshot(SiteFixture.output.appendingPathComponent(page), name: page)
    #expect(image.inkFraction > 0.02, "\(page): \(image.inkFraction) of the pixels differ from the background")
    #expect(image.distinctColours > 16)
  }

  /// The failing twin: a blank page's screenshot is blank by the same measure.
  @Test func aBlankPageIsSeenAsBlank() async throws {
    let blank = FileManager.default.temporaryDirectory.appendingPathComponent("certify-blank-\(UUID().uuidString).html")
    defer { try? FileManager.default.removeItem(at: blank) }
    try "<!DOCTYPE html><html lang=\"en\"><title>blank</title><body></body></html>".write(to: blank, atomically: true, encoding: .utf8)
    let image = try await screenshot(blank, name: "blank")
    #expect(image.inkFraction < 0.001)
  }

  private func screenshot(_ url: URL, name: String) async throws -> PNGImage {
    // Kept after the run, to look at: one folder per test process.
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("certify-site-screenshots-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent(name.replacingOccurrences(of: "/", with: "_") + ".png")
    try? FileManager.default.removeItem(at: file)
    let run = try await Chromium.run(["--window-size=1200,1500", "--screenshot=\(file.path)"], url: url)
    #expect(FileManager.default.fileExists(atPath: file.path), "no screenshot: \(run.stderr.suffix(1000))")
    return try PNGImage(contentsOf: file)
  }
}
