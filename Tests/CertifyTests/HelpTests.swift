import ArgumentParser
import Foundation
import Testing

@testable import certify

// The whole `--help` text of each command, as the binary prints it at 80 columns, against the
// copies in Help/: a change to an option's name, help or order shows here, on purpose or not.
// After a deliberate change: `.build/debug/certify COMMAND --help > Tests/CertifyTests/Help/COMMAND.txt`.

private let helpFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Help")

private let commands: [(file: String, command: any ParsableCommand.Type)] = [
  ("certify", Certify.self), ("prove", Prove.self), ("check", Check.self), ("derive", Derive.self),
  ("explain", Explain.self), ("list", List.self), ("site", SiteCommand.self), ("train", TrainCommand.self), ("evaluate", EvaluateCommand.self),
  ("export", ExportCommand.self), ("audit", AuditCommand.self), ("audit-robustness", AuditRobustness.self),
  ("audit-gradients", AuditGradients.self), ("audit-vnnlib", AuditVNNLIB.self),
]

@Suite struct HelpTests {
  @Test(arguments: commands.map(\.file))
  func helpTextIsTheRecordedOne(file: String) throws {
    let command = try #require(commands.first { $0.file == file }?.command)
    let recorded = try String(contentsOf: helpFolder.appendingPathComponent(file + ".txt"), encoding: .utf8)
    let help = Certify.helpMessage(for: command, columns: 80)
    #expect(help.trimmingCharacters(in: .newlines) == recorded.trimmingCharacters(in: .newlines))
  }

  /// The failing twin: a help text of another command is not this one's.
  @Test func anotherCommandsHelpDiffers() throws {
    let recorded = try String(contentsOf: helpFolder.appendingPathComponent("prove.txt"), encoding: .utf8)
    #expect(Certify.helpMessage(for: List.self, columns: 80).trimmingCharacters(in: .newlines)
      != recorded.trimmingCharacters(in: .newlines))
  }
}
