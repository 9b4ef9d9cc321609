import Foundation
import Testing

/// `certify check`: which checks run by default, `--no-numeric`, `--standalone`, `--json`, and a
/// rejection naming the step and its rule.
@Suite("certify check")
struct CheckCLITests {
  let relu = packageRoot.appendingPathComponent("Certificates/layers/relu.x.json")

  @Test func theDefaultCheckRunsKernelSourceAndNumeric() throws {
    let run = try certify(["check", "--json", "Certificates/layers"])
    #expect(run.status == 0, "\(run.err)")
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
    let results = try #require(summary["certificates"] as? [[String: Any]])
    #expect(results.count == summary["checked"] as? Int && results.count >= 9)
    for r in results {
      let checks = r["checks"] as? [String] ?? []
      #expect(r["status"] as? String == "accepted")
      #expect(checks.count == 3 && checks[0] == "kernel" && checks[1] == "source" && checks[2].hasPrefix("numeric"), "\(r)")
    }
    let kernelOnly = try certify(["check", "--json", "--no-numeric", relu.path])
    #expect(kernelOnly.status == 0)
    #expect(kernelOnly.out.contains("\"kernel\"") && !kernelOnly.out.contains("numeric"))
  }

  /// `check --model` replays a trained checkpoint's model certificate; a file that is not a
  /// checkpoint is an error.
  @Test func aCheckpointsModelCertificateReplays() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try "input 784\ndense 8\nrelu\ndense 10\nloss softmax_cross_entropy\n".write(to: dir.appendingPathComponent("tiny.spec"), atomically: true, encoding: .utf8)
    let trained = try certify(["train", "--model", "tiny.spec", "--epochs", "1", "--limit", "100", "--seed", "3", "--out", "tiny.ckpt"], in: dir)
    #expect(trained.status == 0, "\(trained.err)")
    let run = try certify(["check", "--model", "tiny.ckpt", "--json"], in: dir)
    #expect(run.status == 0, "\(run.out) \(run.err)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
    #expect(report["accepted"] as? Bool == true && report["parameters"] as? Int == 4)
    #expect((report["steps"] as? Int ?? 0) > 0 && report["seconds"] is Double)
    let text = try certify(["check", "--model", "tiny.ckpt"], in: dir)
    #expect(text.out.hasPrefix("accepted  tiny.ckpt: model certificate, 4 parameters, "))
    let notACheckpoint = try certify(["check", "--model", "tiny.spec"], in: dir)
    #expect(notACheckpoint.status == 1 && notACheckpoint.err.contains("tiny.spec"), "\(notACheckpoint.err)")
  }

  /// Away from its source a certificate is refused, unless --standalone says to replay it alone.
  @Test func aCertificateWithoutItsSourceNeedsStandalone() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.copyItem(at: relu, to: folder.appendingPathComponent("relu.x.json"))
    let refused = try certify(["check", "relu.x.json"], in: folder)
    #expect(refused.status == 1)
    #expect(refused.out.contains("REJECTED  relu.x.json: its source Theorems/layers.thm is missing"))
    let alone = try certify(["check", "--standalone", "relu.x.json"], in: folder)
    #expect(alone.status == 0, "\(alone.out)")
    #expect(alone.out.contains("accepted  relu.x.json  (kernel, numeric"))
  }

  /// The relu rule with its assumption dropped from the discharge step: refused at that step, by rule.
  @Test func aRejectionNamesTheStepAndItsRule() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    var lines = try String(contentsOf: relu, encoding: .utf8).components(separatedBy: "\n")
    let steps = lines.indices.filter { lines[$0].hasPrefix("    {\"rule\": ") }
    let k = try #require(steps.indices.first { lines[steps[$0]].hasPrefix("    {\"rule\": \"discharge\"") })
    lines[steps[k]] = lines[steps[k]].replacingOccurrences(of: #""\(A \[k\][^"]*", "#, with: "", options: .regularExpression)
    try lines.joined(separator: "\n").write(to: folder.appendingPathComponent("relu.x.json"), atomically: true, encoding: .utf8)
    let run = try certify(["check", "--standalone", "relu.x.json"], in: folder)
    #expect(run.status == 1)
    #expect(run.out.contains("REJECTED  relu.x.json: step \(k) (discharge): discharge: hypothesis not stated and not provable: forall "), "\(run.out)")
    let json = try certify(["check", "--standalone", "--json", "relu.x.json"], in: folder)
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
    let result = try #require((summary["certificates"] as? [[String: Any]])?.first)
    #expect(result["status"] as? String == "rejected" && result["rule"] as? String == "discharge" && result["step"] as? Int == k)
  }

  /// `list` and `check` give one status: a truncated certificate is rejected (not stale) by both, a
  /// removed one missing, and one whose statement changed stale.
  @Test func listAndCheckAgreeOnTheStatus() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    for name in ["Theorems", "Certificates"] {
      try FileManager.default.copyItem(at: packageRoot.appendingPathComponent(name), to: folder.appendingPathComponent(name))
    }
    let relu = folder.appendingPathComponent("Certificates/layers/relu.x.json")
    let text = try String(contentsOf: relu, encoding: .utf8)
    try String(text.prefix(text.count / 2)).write(to: relu, atomically: true, encoding: .utf8)
    try FileManager.default.removeItem(at: folder.appendingPathComponent("Certificates/layers/tanh.x.json"))
    let layers = folder.appendingPathComponent("Theorems/layers.thm")
    let source = try String(contentsOf: layers, encoding: .utf8)
    try source.replacingOccurrences(of: "vjp b[o] = dy[o]", with: "vjp b[o] = dy[o] + 0").write(to: layers, atomically: true, encoding: .utf8)
    let list = try certify(["list"], in: folder)
    func state(_ name: String) -> String? {
      list.out.split(separator: "\n").first { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == Substring(name) }?
        .split(separator: " ").first.map(String.init)
    }
    #expect(state("relu.x") == "rejected", "\(list.out)")
    #expect(state("tanh.x") == "missing")
    #expect(state("dense.b") == "stale")
    #expect(state("dense.W") == "certified")
    let check = try certify(["check", "--no-numeric", "Certificates/layers/relu.x.json", "Certificates/layers/dense.b.json"], in: folder)
    #expect(check.status == 1)
    #expect(check.out.contains("REJECTED  Certificates/layers/relu.x.json: JSON"), "\(check.out)")
    #expect(check.out.contains("REJECTED  Certificates/layers/dense.b.json: stale: it proves"), "\(check.out)")
  }
}
