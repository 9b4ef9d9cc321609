import Algebra
import Foundation
import Testing
@testable import Site

// The generated site of the whole catalogue, read as files: every statement has its page, every
// link resolves, nothing is fetched, failures show why, models show their certificates.
@Suite struct SitePagesTests {
  @Test func everyStatementOfTheTheoremsFolderHasAPage() async throws {
    try await SiteFixture.ready()
    let index = try SiteFixture.text("index.html")
    var count = 0
    for file in SiteFixture.theoremFiles {
      let document = try TheoremLanguage.parse(try String(contentsOfFile: file, encoding: .utf8), file: file)
      let stem = String(file.dropFirst(SiteFixture.theorems.count + 1).dropLast(4))
      for statement in document.statements {
        let page = "theorems/\(stem)/\(statement.name).html"
        let text = try SiteFixture.text(page)
        #expect(text.contains("<h1>\(statement.name)</h1>"), "\(page)")
        #expect(text.contains("<math"), "\(page) has no mathematics")
        #expect(index.contains("href=\"\(page)\""), "the index does not link \(page)")
        count += 1
      }
    }
    #expect(count >= 40)
    #expect(try await SiteFixture.ready().statements == count + 4)  // and the four of wrong.thm
  }

  /// The failing twin: a statement that does not exist has no page.
  @Test func noPageForAStatementThatDoesNotExist() async throws {
    try await SiteFixture.ready()
    #expect(throws: (any Error).self) { try SiteFixture.text("theorems/layers/no_such_rule.x.html") }
  }

  @Test func everyLinkResolvesAndNothingIsFetched() async throws {
    try await SiteFixture.ready()
    let files = try SiteFixture.files()
    #expect(files.count > 50)
    var checked = 0
    var anchors: [String: Set<String>] = [:]  // the ids of each page, read once
    func ids(_ page: String) throws -> Set<String> {
      if let known = anchors[page] { return known }
      let found = Set(LinkScan.attributes("id", in: try SiteFixture.text(page)))
      anchors[page] = found
      return found
    }
    for file in files where file.hasSuffix(".html") {
      let text = try SiteFixture.text(file)
      #expect(!text.contains("http://") && !text.contains("https://"), "\(file) names a network address")
      for href in LinkScan.attributes("href", in: text) + LinkScan.attributes("src", in: text) {
        let (path, fragment) = LinkScan.split(href)
        let target = path.isEmpty ? file : LinkScan.resolve(path, from: file)
        #expect(files.contains(target), "\(file): \(href) names no file of the site")
        if let fragment, files.contains(target) {
          #expect(try ids(target).contains(fragment), "\(file): \(href) names no anchor")
        }
        checked += 1
      }
    }
    #expect(checked > 1000)
  }

  @Test func theCatalogueIsCertifiedAndTheWrongFileIsNot() async throws {
    try await SiteFixture.ready()
    let index = try SiteFixture.text("index.html")
    let summary = try await SiteFixture.ready()
    #expect(summary.failed == 3)  // square.x, relu.x, softmax_cross_entropy.z of wrong.thm
    #expect(summary.certified == summary.statements - 4)
    #expect(index.contains("\(summary.statements) statements"))
    let scale = try SiteFixture.text("theorems/other/wrong/scale.x.html")
    #expect(scale.contains("status proved") && scale.contains("not under the theorems folder"))
  }

  @Test func aWrongRuleShowsBothNormalFormsAndACounterexample() async throws {
    try await SiteFixture.ready()
    let page = try SiteFixture.text("theorems/other/wrong/square.x.html")
    #expect(page.contains("status failed"))
    #expect(page.contains("The two sides differ"))
    #expect(page.contains("Left side, normal form") && page.contains("Right side, normal form"))
    // Both normal forms are the kernel's terms, as mathematics.
    let sides = page.components(separatedBy: "<div class=\"side-by-side\">")[1].components(separatedBy: "</div>\n</div>")[0]
    #expect(sides.components(separatedBy: "<math").count == 3)
    #expect(page.contains("<h3>Counterexample</h3>"))
    #expect(page.contains("Left side = <code>") && page.contains("(dimension)"))
  }

  @Test func aMissingSideConditionIsNamed() async throws {
    try await SiteFixture.ready()
    let relu = try SiteFixture.text("theorems/other/wrong/relu.x.html")
    #expect(relu.contains("could not be discharged"))
    #expect(relu.contains("&#x2260;"))  // x[k] ≠ 0, as mathematics
    let softmax = try SiteFixture.text("theorems/other/wrong/softmax_cross_entropy.z.html")
    #expect(softmax.contains("vanishes under the assumption"))
  }

  @Test func aProvedPageShowsHashStepsAndRuleLinks() async throws {
    try await SiteFixture.ready()
    let page = try SiteFixture.text("theorems/layers/relu.x.html")
    let certificate = try String(contentsOf: SiteFixture.root.appendingPathComponent("Certificates/layers/relu.x.json"), encoding: .utf8)
    let hash = try #require(certificate.components(separatedBy: "\"sha256\": \"").dropFirst().first?.prefix(64))
    #expect(page.contains("<dd class=\"hash\">\(hash)</dd>"))
    #expect(page.contains("status certified"))
    #expect(page.contains("href=\"../../rules.html#rule-jvp\""))
    #expect(page.contains("href=\"../../rules.html#rule-discharge\""))
    #expect(page.contains("class=\"focus\""))
    let steps = certificate.components(separatedBy: "{\"rule\": ").count - 1
    #expect(page.contains("Proof (\(steps) steps)"))
  }

  @Test func aModelPageNamesTheCertificatesItRestsOn() async throws {
    try await SiteFixture.ready()
    let page = try SiteFixture.text("models/mlp.html")
    for rule in ["dense.x", "dense.W", "dense.b", "relu.x", "softmax_cross_entropy.z"] {
      #expect(page.contains("href=\"../theorems/layers/\(rule).html\""), "\(rule)")
    }
    let certificate = try String(contentsOf: SiteFixture.root.appendingPathComponent("Certificates/layers/dense.W.json"), encoding: .utf8)
    let hash = try #require(certificate.components(separatedBy: "\"sha256\": \"").dropFirst().first?.prefix(64))
    #expect(page.contains(String(hash)))
    let swish = try SiteFixture.text("models/swish.html")
    #expect(swish.contains("swish.x") && swish.contains("proved when the model is built"))
  }

  @Test func theRulesPageHasAnEntryForEveryRuleTheProofsUse() async throws {
    try await SiteFixture.ready()
    let rules = Set(LinkScan.attributes("id", in: try SiteFixture.text("rules.html")))
    for file in try SiteFixture.files() where file.hasPrefix("theorems/") {
      for href in LinkScan.attributes("href", in: try SiteFixture.text(file)) where href.contains("rules.html#") {
        #expect(rules.contains(String(href.split(separator: "#")[1])), "\(file): \(href)")
      }
    }
  }
}

/// Reading attributes out of the generated HTML (which escapes every value it writes).
enum LinkScan {
  /// The values of ` NAME="..."` in `text`, found by a scan of its bytes (pages are large).
  static func attributes(_ name: String, in text: String) -> [String] {
    let pattern = Array(" \(name)=\"".utf8), bytes = Array(text.utf8)
    var values: [String] = [], k = 0
    while k + pattern.count <= bytes.count {
      if bytes[k] == pattern[0], bytes[k..<k + pattern.count].elementsEqual(pattern) {
        let start = k + pattern.count
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
        values.append(String(decoding: bytes[start..<end], as: UTF8.self).replacingOccurrences(of: "&amp;", with: "&"))
        k = end
      } else {
        k += 1
      }
    }
    return values
  }

  static func split(_ href: String) -> (String, String?) {
    let parts = href.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    return (parts[0], parts.count > 1 ? parts[1] : nil)
  }

  /// `path` relative to the folder of `file` (both relative to the site's root), normalized.
  static func resolve(_ path: String, from file: String) -> String {
    var parts = file.split(separator: "/").dropLast().map(String.init)
    for segment in path.split(separator: "/") {
      if segment == ".." { _ = parts.popLast() } else if segment != "." { parts.append(String(segment).removingPercentEncoding ?? String(segment)) }
    }
    return parts.joined(separator: "/")
  }
}
