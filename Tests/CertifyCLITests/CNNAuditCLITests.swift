import Foundation
import Testing

/// `certify audit robustness` on a CNN checkpoint (issue 19): a small convolutional network with
/// batch norm, trained on a few hundred images, audited in all three tiers and attacked, with the
/// per-image file, the adversarial examples as 28×28 PNGs, JSON and the plot as for an MLP.
@Suite("certify audit robustness on a CNN")
struct CNNAuditCLITests {
  static func trainedCNN(in dir: URL) throws -> String {
    let spec = dir.appendingPathComponent("small_cnn.spec")
    try "input 1x28x28\nconv2d 1->4 3 stride 2\nbatchnorm\nrelu\nmaxpool 2\nflatten\ndense 10\nloss softmax_cross_entropy\n"
      .write(to: spec, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("small_cnn.ckpt").path
    let train = try certify(["train", "--model", spec.path, "--epochs", "1", "--limit", "300", "--seed", "4", "--out", out])
    #expect(train.status == 0, "\(train.err)")
    return out
  }

  static func certified(_ run: (status: Int32, out: String, err: String)) throws -> [Int] {
    #expect(run.status == 0, "\(run.err)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
    return (json["results"] as! [[String: Any]]).map { $0["certified"] as! Int }
  }

  @Test func auditsACNNInEveryTierWithTheAttack() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try Self.trainedCNN(in: dir)
    let perImage = dir.appendingPathComponent("images.jsonl").path, examples = dir.appendingPathComponent("adversarial")
    let plot = dir.appendingPathComponent("cnn.svg").path
    let run = try certify([
      "audit", "robustness", "--model", model, "--limit", "30", "--eps", "0.003,0.1", "--json", "--attack", "--attack-steps", "20",
      "--per-image", perImage, "--save-adversarial", examples.path, "--plot", plot,
    ])
    let fast = try Self.certified(run)
    let json = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
    // The affine layers' widths: conv 4×13×13, batch norm, flatten 4×6×6, dense 10.
    #expect(json["widths"] as? [Int] == [784, 676, 676, 144, 10])
    #expect(try String(contentsOfFile: plot, encoding: .utf8).contains("</svg>"))
    let lines = try String(contentsOfFile: perImage, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 60)
    let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    let saved = objects.compactMap { ($0["pgd"] as! [String: Any])["example"] as? String }
    #expect(!saved.isEmpty, "at eps 0.1 the attack breaks some image")
    for name in saved {
      let png = try Data(contentsOf: examples.appendingPathComponent(name.replacingOccurrences(of: ".npy", with: ".png")))
      // PNG header: width and height (big-endian) at bytes 16 and 20: a 28×28 image.
      #expect(png.count > 24 && png[16..<24].elementsEqual([0, 0, 0, 28, 0, 0, 0, 28]))
    }
    // MPFI and exact tiers on a few images (IBP; CROWN in them is CNNAuditTests'): each certifies
    // at least what the looser tier before it does.
    let first = ["audit", "robustness", "--model", model, "--limit", "3", "--eps", "0.003,0.1", "--json"]
    let three = try Self.certified(try certify(first + ["--fast", "--method", "ibp"]))
    let mpfi = try Self.certified(try certify(first + ["--precision", "64", "--method", "ibp"]))
    let exact = try Self.certified(try certify(first + ["--exact", "--method", "ibp"]))
    #expect(zip(three, mpfi).allSatisfy { $0 <= $1 })
    #expect(exact.count == 2 && zip(exact, mpfi).allSatisfy { $0 >= $1 })
    #expect(fast.count == 4)
  }

  @Test func aLayerTheAuditCannotBoundIsRefusedByName() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let spec = dir.appendingPathComponent("tanh_cnn.spec")
    try "input 1x28x28\nconv2d 1->2 3 stride 2\ntanh\nflatten\ndense 10\nloss softmax_cross_entropy\n".write(to: spec, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("tanh_cnn.ckpt").path
    #expect(try certify(["train", "--model", spec.path, "--epochs", "1", "--limit", "100", "--out", out]).status == 0)
    let run = try certify(["audit", "robustness", "--model", out, "--limit", "5"])
    #expect(run.status != 0)
    #expect(run.err.contains("layer 2 (tanh)"), "\(run.err)")
  }
}
