import ArgumentParser

/// The `certify` command line: proves gradient rules, checks certificates, trains and audits.
@main
struct Certify: ParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "certify",
    abstract: "Proof-carrying gradients: prove backward rules, check certificates, train, audit.",
    discussion: """
      Certify proves, for every size, that a layer's backward rule is the adjoint of its \
      derivative, writes each proof as a certificate a small kernel replays, trains only \
      certified layers, and bounds what floating point does with interval arithmetic.
      Documentation: Docs/README.md in the source tree.
      """,
    version: version,
    subcommands: [Prove.self, Check.self, Derive.self, Explain.self, List.self, TrainCommand.self, EvaluateCommand.self, AuditCommand.self])
}
