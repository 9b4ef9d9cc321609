import Foundation
import Algebra
import Testing

@testable import certify

// The work of `check`, `list` and `derive`, called without a process.

/// The package's root folder (this file is Tests/CertifyTests/WorkTests.swift).
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

@Suite struct WorkTests {
  @Test func checkAcceptsACertificateAndRejectsATamperedOne() throws {
    let relu = root.appendingPathComponent("Certificates/layers/relu.x.json")
    let check = try Check.parse(["--no-numeric", "--standalone"])
    var statements: [String: [String: Statement]] = [:]
    let accepted = check.verify(relu.path, &statements)
    #expect(accepted.rejection == nil)
    #expect(accepted.name == "relu.x")
    #expect(accepted.checks.first == "kernel")

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("certify-work-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let tampered = folder.appendingPathComponent("relu.x.json")
    let text = try String(contentsOf: relu, encoding: .utf8)
    // The last step's rule, renamed: the kernel refuses to run it.
    let broken = text.replacingOccurrences(of: "\"rule\": \"discharge\"", with: "\"rule\": \"dischargf\"")
    #expect(broken != text)
    try broken.write(to: tampered, atomically: true, encoding: .utf8)
    #expect(check.verify(tampered.path, &statements).rejection != nil)
  }

  @Test func listFindsEveryStatementCertifiedAndNoneInAnEmptyFolder() throws {
    let theorems = root.appendingPathComponent("Theorems").path
    let list = try List.parse(["--theorems", theorems, "--certificates", root.appendingPathComponent("Certificates").path])
    let catalogue = try Catalogue.load(theorems: theorems)
    let states = list.states(of: catalogue)
    #expect(!catalogue.entries.isEmpty)
    #expect(states.count == catalogue.entries.count)
    #expect(states.values.allSatisfy { $0 == "certified" })

    let empty = try List.parse(["--theorems", theorems, "--certificates", "/nonexistent-\(UUID().uuidString)"])
    #expect(empty.states(of: catalogue).values.allSatisfy { $0 == "missing" })
  }

  @Test func proveChecksTheCheckedInCertificatesAndFailsAWrongTheorem() throws {
    let theorems = root.appendingPathComponent("Theorems").path
    let certificates = root.appendingPathComponent("Certificates").path
    let layers = theorems + "/layers.thm"
    var current = ProveRun(try Prove.parse([layers, "--check", "--theorems", theorems, "--certificates", certificates]))
    var seen = 0
    try current.prove(layers) { _ in seen += 1 }
    #expect(seen > 0 && current.reports.count == seen)
    #expect(current.failed == 0 && current.proved == seen)
    #expect(current.outdated.isEmpty)

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("certify-work-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let bad = folder.appendingPathComponent("bad.thm")
    try "dim n\ntensor x[n]\ntheorem square: grad(sum(i: n) x[i] ^ 2, x)[j] = x[j]\n".write(to: bad, atomically: true, encoding: .utf8)
    var wrong = ProveRun(try Prove.parse([bad.path, "--check"]))
    try wrong.prove(bad.path)
    #expect(wrong.failed == 1 && wrong.proved == 0)
    #expect(wrong.reports.first?.line.hasPrefix("FAILED  square") == true)
  }

  @Test func deriveProvesEachRuleOfDense() throws {
    let derive = try Derive.parse([root.appendingPathComponent("Theorems/layers.thm").path, "--layer", "dense"])
    var seen: [String] = []
    let entries = try Derive.rules(of: derive.layerToDerive()) { seen.append($0.wrt) }
    #expect(entries.map(\.wrt) == seen)
    #expect(Set(seen) == ["x", "W", "b"])
    #expect(entries.allSatisfy { $0.proved })

    let missing = try Derive.parse([root.appendingPathComponent("Theorems/layers.thm").path, "--layer", "no_such_layer"])
    #expect(throws: FileError.self) { try missing.layerToDerive() }
  }
}
