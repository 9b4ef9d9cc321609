import ArgumentParser
import Testing

@testable import certify

// Parsing and validation of the commands, in the process: each accepted input has a refused twin.

@Suite struct ParsingTests {
  @Test func proveNeedsFilesOrAll() throws {
    #expect(try Prove.parse(["--all"]).all)
    #expect(try Prove.parse(["Theorems/layers.thm"]).files == ["Theorems/layers.thm"])
    #expect(throws: (any Error).self) { try Prove.parse([]) }
  }

  @Test func checkReadsItsSwitches() throws {
    let check = try Check.parse(["--no-numeric", "--standalone", "a.json"])
    #expect(!check.numeric && check.standalone && check.paths == ["a.json"])
    #expect(try Check.parse([]).numeric)
    #expect(throws: (any Error).self) { try Check.parse(["--numeric-please"]) }
  }

  @Test(arguments: [
    (["--lr", "0.1"], true), (["--lr", "-1"], false), (["--lr", "1001"], false),
    (["--epochs", "1"], true), (["--epochs", "0"], false),
    (["--batch", "1048576"], true), (["--batch", "1048577"], false),
    (["--momentum", "0.5"], true), (["--momentum", "1"], false), (["--optimizer", "adam", "--momentum", "0.5"], false),
    (["--checkpoint-steps", "10", "--out", "x.ckpt"], true), (["--checkpoint-steps", "10"], false),
    (["--threads", "1024"], true), (["--threads", "0"], false),
  ])
  func trainRanges(arguments: [String], accepted: Bool) {
    let parsed = (try? TrainCommand.parse(arguments)) != nil
    #expect(parsed == accepted, "\(arguments)")
  }

  @Test func robustnessReadsRadiiExactlyAndOneTier() throws {
    let command = try AuditRobustness.parse(["--model", "m.npz", "--eps", "0.003, 1/255", "--method", "crown,ibp,crown"])
    #expect(try command.epsilons().map(\.description) == ["3/1000", "1/255"])
    #expect(try command.methods() == [.crown, .ibp])
    #expect(try AuditRobustness.parse(["--model", "m.npz", "--method", "alpha-crown,bab", "--timeout", "2.5"]).methods() == [.alphaCROWN, .bab])
    #expect(throws: (any Error).self) { try AuditRobustness.parse(["--model", "m.npz", "--method", "bab", "--precision", "128"]) }
    #expect(throws: (any Error).self) { try AuditRobustness.parse(["--model", "m.npz", "--method", "bab", "--timeout", "-1"]) }
    #expect(try AuditRobustness.parse(["--model", "m.npz", "--precision", "128"]).tier == .mpfi(precision: 128))
    #expect(throws: (any Error).self) { try AuditRobustness.parse(["--model", "m.npz", "--eps", "1.5"]) }
    #expect(throws: (any Error).self) { try AuditRobustness.parse(["--model", "m.npz", "--method", "lp"]) }
    #expect(throws: (any Error).self) { try AuditRobustness.parse(["--model", "m.npz", "--exact", "--fast"]) }
    #expect(throws: (any Error).self) { try AuditRobustness.parse(["--model", "m.npz", "--precision", "23"]) }
  }

  @Test func gradientsAuditRanges() throws {
    #expect(try AuditGradients.parse(["--model", "m.ckpt", "--batch", "60000"]).batch == 60_000)
    #expect(throws: (any Error).self) { try AuditGradients.parse(["--model", "m.ckpt", "--batch", "60001"]) }
    #expect(throws: (any Error).self) { try AuditGradients.parse(["--model", "m.ckpt", "--offset", "-1"]) }
  }

  @Test func certificateOptionsChooseTheStore() throws {
    #expect(try CertificateOptions.parse([]).certificates == nil)
    #expect(try CertificateOptions.parse(["--certificates", "C"]).certificates == "C")
  }
}
