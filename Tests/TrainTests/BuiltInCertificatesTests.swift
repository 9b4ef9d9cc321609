import Certificates
import Foundation
import Testing
@testable import Train

/// The copy of the trainer's certificates built into the binary is the checked-in one, file for file,
/// and models build over it.
@Suite("Built-in certificates")
struct BuiltInCertificatesTests {
  static let layers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Certificates/layers")

  @Test func theBuiltInCopyIsTheCheckedInOne() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.layers.path).filter { $0.hasSuffix(".json") }.sorted()
    #expect(files.count >= 9)
    #expect(BuiltInCertificates.files.keys.sorted() == files.map { "layers/" + $0 })
    for file in files {
      let onDisk = try String(contentsOf: Self.layers.appendingPathComponent(file), encoding: .utf8)
      #expect(BuiltInCertificates.files["layers/" + file] == onDisk, "\(file) differs: run certify prove --all and rebuild")
    }
  }

  @Test func everyRuleOfTheTrainerVerifiesAgainstTheBuiltInStore() throws {
    let layers = CompiledRules.blocks.keys.sorted().map { block in (name: block, rules: RuleCertification.statements.keys.filter { $0.hasPrefix(block + ".") }.sorted()) }
    let hashes = try RuleCertification.verify(layers, store: .builtIn)
    #expect(hashes.count == RuleCertification.statements.count)
    #expect(throws: CertificateError.self) { try CertificateStore.builtIn.write(try CertificateStore.builtIn.load(named: "dense.x")) }
  }
}
