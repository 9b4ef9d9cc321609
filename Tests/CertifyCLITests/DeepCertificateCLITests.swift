import Algebra
import Foundation
import Testing

/// Certificates of deep networks' gradients are the same bytes from two processes: the engine's
/// keys are digests of content, never addresses or per-process hash seeds (issue 23).
@Suite("deep certificates, two processes")
struct DeepCertificateCLITests {
  @Test func twoProcessesWriteTheSameCertificates() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let theorems = dir.appendingPathComponent("Theorems")
    try FileManager.default.createDirectory(at: theorems, withIntermediateDirectories: true)
    let networks = [("tanh", DeepNetworks.mlp(depth: 5, activation: "tanh", biases: false)),
                    ("relu", DeepNetworks.mlp(depth: 4, activation: "relu", biases: true)),
                    ("residual", DeepNetworks.residual(blocks: 3))]
    for (name, text) in networks { try text.write(to: theorems.appendingPathComponent("\(name).thm"), atomically: true, encoding: .utf8) }
    var written: [[String: Data]] = []
    for run in ["first", "second"] {
      let certificates = dir.appendingPathComponent(run)
      let files = networks.map { theorems.appendingPathComponent("\($0.0).thm").path }
      let result = try certify(["prove"] + files + ["--theorems", theorems.path, "--certificates", certificates.path], in: dir)
      #expect(result.status == 0, "\(result.out)\(result.err)")
      var contents: [String: Data] = [:]
      for name in try FileManager.default.subpathsOfDirectory(atPath: certificates.path) where name.hasSuffix(".json") {
        contents[name] = try Data(contentsOf: certificates.appendingPathComponent(name))
      }
      written.append(contents)
    }
    #expect(written[0].count == networks.count)
    #expect(written[0] == written[1])
  }
}
