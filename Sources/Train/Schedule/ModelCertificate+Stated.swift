import Algebra

extension ModelCertificate {
  /// The statement of a schedule as `verify` compares a certificate with it: the text, each
  /// parameter's theorem name, and the parsed statements. Written apart from `verify` so that a
  /// check can write it while the certificate is still being decoded; nothing in it depends on
  /// the certificate.
  struct Stated: Sendable {
    let text: String
    let theorems: [(name: String, parameter: String)]
    let statements: [String: Statement]

    /// - Throws: what `ModelStatement` and its `statements()` throw.
    init(_ schedule: BackwardSchedule, formulas: [String: String]) throws {
      let written = try ModelStatement(schedule, blocks: { try BlockText.named($0, formulas: formulas) })
      text = written.text
      theorems = written.theorems.map { ($0.name, $0.route.parameter) }
      statements = try written.statements()
    }
  }
}
