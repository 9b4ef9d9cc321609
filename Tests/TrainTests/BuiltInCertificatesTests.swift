import Certificates
import Foundation
import Testing
@testable import Train

/// The copy of the trainer's certificates built into the binary is the checked-in one, file for file,
/// and models build over it.
@Suite("Built-in certificates")
struct BuiltInCertificatesTests {
  static let certificates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Certificates")

  /// The certificates of the trainer's theorem files (`layers/…`, `cnn/…`, `maxpool…/…`,
  /// `transformer/…`, `graph/…`), relative to the store.
  static func checkedIn() throws -> [String] {
    try ["layers", "cnn", "maxpool", "maxpool2_s1", "maxpool3_s1", "maxpool3_s2", "transformer", "graph"].flatMap { folder in
      try FileManager.default.contentsOfDirectory(atPath: certificates.appendingPathComponent(folder).path)
        .filter { $0.hasSuffix(".json") }.map { folder + "/" + $0 }
    }.sorted()
  }

  @Test func theBuiltInCopyIsTheCheckedInOne() throws {
    let files = try Self.checkedIn()
    #expect(files.count >= 9 + 25)
    #expect(BuiltInCertificates.files.keys.sorted() == files)
    for file in files {
      let onDisk = try String(contentsOf: Self.certificates.appendingPathComponent(file), encoding: .utf8)
      #expect(BuiltInCertificates.files[file] == onDisk, "\(file) differs: run certify prove --all and rebuild")
    }
  }

  @Test func everyRuleOfTheTrainerVerifiesAgainstTheBuiltInStore() throws {
    let layers = CompiledRules.allBlocks.keys.sorted().map { block in (name: block, rules: RuleCertification.statements.keys.filter { $0.hasPrefix(block + ".") }.sorted()) }
    let hashes = try RuleCertification.verify(layers, store: .builtIn)
    #expect(hashes.count == RuleCertification.statements.count)
    #expect(throws: CertificateError.self) { try CertificateStore.builtIn.write(try CertificateStore.builtIn.load(named: "dense.x")) }
  }
}
