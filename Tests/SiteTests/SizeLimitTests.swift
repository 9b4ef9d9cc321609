import Algebra
import Certificates
import Foundation
import Testing
@testable import Site

// A proof's page stays within its size limits: past the step limit only the rewritten part is
// shown, past the page limit the rest of the steps are text.
@Suite struct SizeLimitTests {
  func proof(_ name: String) throws -> StatementProof {
    let file = SiteFixture.theorems + "/layers.thm"
    let document = try TheoremLanguage.parse(try String(contentsOfFile: file, encoding: .utf8), file: file)
    let statement = try #require(document.statements.first { $0.name == name })
    return StatementProof.prove(statement, file: file, kind: "layer rule", certificateSource: nil,
                                store: CertificateStore(directory: SiteFixture.root.appendingPathComponent("Certificates")))
  }

  @Test func smallLimitsShowTheRewrittenPartThenText() throws {
    let relu = try proof("relu.x")
    let small = StepsSection.render(relu, root: "", limits: SizeLimits(stepMath: 1_500, pageMath: 6_000))
    let standard = StepsSection.render(relu, root: "", limits: .standard)
    #expect(small.contains("only the rewritten part"))
    #expect(small.contains("reached its size limit"))
    #expect(small.utf8.count < standard.utf8.count / 2)
    // Every step is still there, each with its rule.
    #expect(small.components(separatedBy: "<li id=\"step-").count == relu.derivation.steps.count + 1)
    // The twin: within the standard limits, every equation is whole mathematics.
    #expect(!standard.contains("only the rewritten part") && !standard.contains("reached its size limit"))
    #expect(!standard.contains("<dd><code>"))
  }
}
