import ArgumentParser
import Foundation

/// The `certify` command line: proves gradient rules, checks certificates, trains and audits.
@main
struct Certify: ParsableCommand {
  static let version = "0.2.0"

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
    subcommands: [Prove.self, Check.self, Derive.self, Explain.self, List.self, SiteCommand.self, TrainCommand.self, EvaluateCommand.self, ExportCommand.self, AuditCommand.self])

  /// Runs the command, with one error style for every command: an error a command throws (a file
  /// that cannot be read, a certificate that does not load, ...) is one `error: ...` line on
  /// standard error and exit status 1. Argument Parser's own errors — usage errors and
  /// `ValidationError`s, exit status 64 with the usage — and exit codes pass through unchanged.
  static func main() {
    var command: any ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      exit(withError: error)
    }
    do {
      try command.run()
    } catch let error where error is ExitCode || error is ValidationError || error is CleanExit
      || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")  // its internal errors: help, usage
    {
      exit(withError: error)
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      Foundation.exit(ExitCode.failure.rawValue)
    }
    Foundation.exit(0)
  }
}
