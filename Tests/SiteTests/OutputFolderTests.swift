import Foundation
import Testing
@testable import Site

// The output folder is never overwritten unless it is new, empty, an earlier site, or --force.
@Suite struct OutputFolderTests {
  let base = FileManager.default.temporaryDirectory.appendingPathComponent("certify-site-folder-\(UUID().uuidString)")

  func folder(with files: [String: String]) throws -> String {
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    for (name, text) in files { try text.write(to: base.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    return base.path
  }

  @Test func aNewOrEmptyFolderIsAccepted() throws {
    #expect(throws: Never.self) { try OutputFolder(base.path + "/new", force: false) }
    #expect(throws: Never.self) { try OutputFolder(try folder(with: [:]), force: false) }
  }

  @Test func aFolderWithOtherFilesIsRefusedUnlessForced() throws {
    let path = try folder(with: ["notes.txt": "mine"])
    #expect(throws: SiteError.notASite(path, entries: 1)) { try OutputFolder(path, force: false) }
    let forced = try OutputFolder(path, force: true)
    try forced.write([SiteFile(path: "index.html", text: "site")])
    #expect(try String(contentsOfFile: path + "/notes.txt", encoding: .utf8) == "mine")
    #expect(FileManager.default.fileExists(atPath: path + "/index.html"))
  }

  @Test func aFileIsNotAFolder() throws {
    let path = try folder(with: ["file": "x"]) + "/file"
    #expect(throws: SiteError.notAFolder(path)) { try OutputFolder(path, force: true) }
  }

  @Test func anEarlierSiteIsReplacedAndOtherFilesKept() throws {
    let path = try folder(with: [:])
    try OutputFolder(path, force: false).write([SiteFile(path: "index.html", text: "old"), SiteFile(path: "theorems/a/gone.html", text: "old")])
    try "mine".write(toFile: path + "/notes.txt", atomically: true, encoding: .utf8)
    let again = try OutputFolder(path, force: false)  // not refused: it is a site
    try again.write([SiteFile(path: "index.html", text: "new")])
    #expect(try String(contentsOfFile: path + "/index.html", encoding: .utf8) == "new")
    #expect(!FileManager.default.fileExists(atPath: path + "/theorems/a/gone.html"))
    #expect(try String(contentsOfFile: path + "/notes.txt", encoding: .utf8) == "mine")
  }

  @Test func aManifestNeverNamesAFileOutsideTheFolder() throws {
    #expect(OutputFolder.isSafeRelativePath("theorems/layers/dense.x.html"))
    for bad in ["../outside", "/etc/passwd", "a/../../b", "", "a//b", "./a"] { #expect(!OutputFolder.isSafeRelativePath(bad), "\(bad)") }
    let outside = try folder(with: ["keep.txt": "mine"])
    let site = outside + "/site"
    try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
    try ([OutputFolder.manifestHeader, "../keep.txt", "/" + outside + "/keep.txt"].joined(separator: "\n")).write(toFile: site + "/certify-site.txt", atomically: true, encoding: .utf8)
    try OutputFolder(site, force: false).write([])
    #expect(FileManager.default.fileExists(atPath: outside + "/keep.txt"))
  }

  @Test func namesInLinksStayInTheirFolder() {
    #expect(HTML.pathSegment("dense.x") == "dense.x")
    #expect(HTML.pathSegment("..") == "%2E.")
    #expect(HTML.pathSegment("a/b") == "a%2Fb")
    #expect(HTML.escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
  }
}
