import ArgumentParser

/// `certify audit`: what floating point does to a trained network, bounded with interval arithmetic.
struct AuditCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "Bound what floating point does: gradient errors and robustness certificates.",
    discussion: """
      Every audit is sound: its bounds enclose the exact real value, whatever order BLAS sums in. \
      What each audit proves, and what it does not, is in Docs/Audits.md.
      """,
    subcommands: [AuditRobustness.self, AuditGradients.self, AuditVNNLIB.self])
}
