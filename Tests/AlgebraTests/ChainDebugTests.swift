@testable import Algebra
import Testing
@Suite struct ChainDebug {
  @Test func debug() throws {
    let document = try TheoremLanguage.parse(DeepNetworks.residual(blocks: 2), file: "deep.thm")
    do { _ = try ChainProof.attempt(document.statements.last!) } catch { Issue.record("\(error)") }
  }
}
