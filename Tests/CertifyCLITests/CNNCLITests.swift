import Foundation
import Testing

/// A CNN end to end through the command line: trained on a few hundred images, evaluated, and
/// audited for robustness and for its gradient.
@Suite("certify train and evaluate a CNN")
struct CNNCLITests {
  @Test func aCNNTrainsEvaluatesAndIsAudited() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let spec = dir.appendingPathComponent("tiny_cnn.spec")
    try "input 1x28x28\nconv2d 1->4 3 stride 2\nrelu\nmaxpool 2\nflatten\ndense 10\nloss softmax_cross_entropy\n"
      .write(to: spec, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("tiny_cnn.ckpt").path
    let train = try certify(["train", "--model", spec.path, "--epochs", "1", "--limit", "300", "--seed", "4", "--out", out, "--json"])
    #expect(train.status == 0, "\(train.err)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(train.out.split(separator: "\n").last!.utf8)) as? [String: Any])
    let kinks = try #require(report["kinks"] as? [String: Int])
    #expect(kinks.keys.sorted() == ["maxpool1", "relu1"])
    #expect((report["kink_handling"] as? [String: String])?["maxpool1"] != nil)
    // The convolution's model certificate is proved before training, carried, and replays.
    #expect(train.out.contains("model certificate: 4 parameters proved in "), "\(train.out)")
    let checked = try certify(["check", "--model", out, "--json"])
    #expect(checked.status == 0, "\(checked.out) \(checked.err)")
    let check = try #require(try JSONSerialization.jsonObject(with: Data(checked.out.utf8)) as? [String: Any])
    #expect(check["accepted"] as? Bool == true && check["parameters"] as? Int == 4, "\(check)")
    let evaluated = try certify(["evaluate", out, "--json"])
    #expect(evaluated.status == 0, "\(evaluated.err)")
    let robustness = try certify(["audit", "robustness", "--model", out, "--limit", "10", "--eps", "0.01"])
    #expect(robustness.status == 0, "\(robustness.err)")  // CNNAuditCLITests checks it in depth
    let gradients = try certify(["audit", "gradients", "--model", out, "--batch", "8", "--directions", "1"])
    #expect(gradients.status == 0, "\(gradients.err)")
    #expect(gradients.out.hasPrefix("PASSED"), "\(gradients.out)")
    #expect(gradients.out.contains("conv2d1.w") && gradients.out.contains("max-pool ties"), "\(gradients.out)")
    // The enclosures hold JAX's gradient of the same CNN (scripts/compare-enclosures-jax.py --spec).
    let file = dir.appendingPathComponent("enclosures.npz").path
    let written = try certify(["audit", "gradients", "--model", out, "--batch", "4", "--directions", "0", "--enclosures", file])
    #expect(written.status == 0, "\(written.err)")
    let script = packageRoot.appendingPathComponent("scripts/compare-enclosures-jax.py").path
    let compared = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script, file, "--spec", spec.path])
    #expect(compared.status == 0, "\(compared.out)\(compared.err)")
    #expect(compared.out.split(separator: "\n").count == 8)  // conv2d1.w, .b, dense1.W, .b; float64 and float32
  }
}
