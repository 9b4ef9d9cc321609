import Certificates
import Foundation
import Testing

@Suite("Certificate store")
struct StoreTests {
  /// A fresh empty directory for one test.
  func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("certificates-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test func pathsMirrorTheorems() throws {
    #expect(try CertificateStore.relativePath(name: "dense.x", source: "Theorems/layers.thm") == "layers/dense.x.json")
    #expect(try CertificateStore.relativePath(name: "S", source: "Theorems/dir/file.thm") == "dir/file/S.json")
    #expect(try CertificateStore.relativePath(name: "S", source: "dir/file.thm") == "dir/file/S.json")
    let store = CertificateStore(directory: URL(fileURLWithPath: "/repo/Certificates"))
    #expect(try store.url(name: "grad_W2_mse", source: "Theorems/mlp_mse.thm").path == "/repo/Certificates/mlp_mse/grad_W2_mse.json")
  }

  @Test(arguments: [("../x", "Theorems/a.thm"), (".hidden", "Theorems/a.thm"), ("", "Theorems/a.thm"), ("a/b", "Theorems/a.thm"),
                    ("S", "Theorems/../a.thm"), ("S", "Theorems/a.txt"), ("S", "Theorems/.thm"), ("S", "/abs/a.thm"), ("S", "Theorems//a.thm")])
  func unmappablePathsAreRefused(name: String, source: String) {
    #expect(throws: CertificateError.self) { try CertificateStore.relativePath(name: name, source: source) }
  }

  /// Writing creates folders, and writes only what changed; loading by name searches the store.
  @Test func writeListLoad() throws {
    let root = try scratch()
    defer { try? FileManager.default.removeItem(at: root) }
    let store = CertificateStore(directory: root.appendingPathComponent("Certificates"))
    #expect(try store.entries().isEmpty)
    for certificate in exampleCertificates { #expect(try store.write(certificate)) }
    for certificate in exampleCertificates { #expect(try !store.write(certificate)) }
    let entries = try store.entries()
    #expect(entries.map(\.relativePath) == [
      "identities/grad_sq.json", "layers/dense.W.json", "layers/dense.b.json", "layers/dense.x.json", "layers/relu.x.json",
    ])
    #expect(entries.first?.source == "Theorems/identities.thm")
    for certificate in exampleCertificates {
      let loaded = try store.load(named: certificate.name)
      #expect(loaded == certificate)
      let bytes = try Data(contentsOf: try store.url(name: certificate.name, source: certificate.source))
      #expect(bytes == Data(certificate.encoded().utf8))
      #expect(try Replay.replay(loaded).sha256 == certificate.sha256)
    }
    // A changed certificate is rewritten.
    var changed = exampleCertificates[0]
    changed.steps.removeLast()
    #expect(try store.write(changed))
    #expect(try store.load(named: changed.name) == changed)
  }

  @Test func loadingRefusals() throws {
    let root = try scratch()
    defer { try? FileManager.default.removeItem(at: root) }
    let store = CertificateStore(directory: root)
    var certificate = exampleCertificates[0]
    try store.write(certificate)
    #expect(throws: CertificateError.self) { try store.load(named: "missing") }
    // The same name from two theorem files is ambiguous.
    certificate.source = "Theorems/other.thm"
    try store.write(certificate)
    #expect(throws: CertificateError.self) { try store.load(named: certificate.name) }
    // A file that holds another statement's certificate is refused.
    let other = exampleCertificates[1]
    let misplaced = try store.url(name: "moved", source: "Theorems/layers.thm")
    try FileManager.default.createDirectory(at: misplaced.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(other.encoded().utf8).write(to: misplaced)
    #expect(throws: CertificateError.self) { try store.load(named: "moved") }
    // A file that is not a certificate is refused with the reader's error.
    let junk = try store.url(name: "junk", source: "Theorems/layers.thm")
    try Data("{}".utf8).write(to: junk)
    #expect(throws: CertificateError.field("format", step: nil, reason: "missing")) { try store.load(named: "junk") }
  }
}
