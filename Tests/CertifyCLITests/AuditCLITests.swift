import Foundation
import Testing

/// `certify audit robustness` end to end on Fashion-MNIST (the Debian package's copy) with a small
/// model trained for the test.
@Suite("certify audit robustness")
struct AuditRobustnessCLITests {
  /// A 784-16-10 checkpoint trained on 600 images.
  static func trainedCheckpoint(in dir: URL) throws -> String {
    let spec = dir.appendingPathComponent("small.spec")
    try "input 784\ndense 16\nrelu\ndense 10\nloss softmax_cross_entropy\n".write(to: spec, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("small.ckpt").path
    let train = try certify(["train", "--model", spec.path, "--epochs", "1", "--limit", "600", "--seed", "2", "--out", out])
    #expect(train.status == 0, "\(train.err)")
    return out
  }

  @Test func auditsACheckpointWithJSONAndAPlot() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try Self.trainedCheckpoint(in: dir)
    let plot = dir.appendingPathComponent("accuracy.svg").path
    let run = try certify(["audit", "robustness", "--model", model, "--limit", "60", "--eps", "0.003,1/255", "--json", "--plot", plot])
    #expect(run.status == 0, "\(run.err)")
    let json = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
    #expect(json["examples"] as? Int == 60)
    #expect(json["widths"] as? [Int] == [784, 16, 10])
    let rows = json["results"] as! [[String: Any]]
    #expect(rows.map { $0["method"] as! String } == ["ibp", "ibp", "crown", "crown"])
    // The radii as written: a decimal exactly, 1/255 as its nearest Double (checked in the text:
    // Foundation's JSON reader on Linux is not correctly rounded).
    #expect(rows.map { $0["eps"] as! Double }[0] == 0.003)
    #expect(run.out.components(separatedBy: "\"eps\":\(1.0 / 255),").count == 3)
    for row in rows {
      let certified = row["certified_accuracy"] as! Double, clean = row["clean_accuracy"] as! Double
      #expect(certified >= 0 && certified <= clean)
    }
    let svg = try String(contentsOfFile: plot, encoding: .utf8)
    #expect(svg.contains("<svg") && svg.contains("</svg>"))

    // Writing the plot again replaces the command's own file; a foreign file needs --overwrite.
    #expect(try certify(["audit", "robustness", "--model", model, "--limit", "5", "--plot", plot]).status == 0)
    let notes = dir.appendingPathComponent("notes.svg").path
    try "mine".write(toFile: notes, atomically: true, encoding: .utf8)
    let refused = try certify(["audit", "robustness", "--model", model, "--limit", "5", "--plot", notes])
    #expect(refused.status != 0)
    #expect(refused.err.contains("pass --overwrite"))
    #expect(try String(contentsOfFile: notes, encoding: .utf8) == "mine")
  }

  /// `--per-image` writes one JSON line per image and eps whose counts agree with the summary;
  /// `--save-adversarial` saves each broken image's example as .npy and .png.
  @Test func writesPerImageVerdictsAndAdversarialExamples() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try Self.trainedCheckpoint(in: dir)
    let perImage = dir.appendingPathComponent("images.jsonl").path, examples = dir.appendingPathComponent("adversarial")
    let run = try certify([
      "audit", "robustness", "--model", model, "--limit", "40", "--eps", "0.003,0.05", "--json", "--attack", "--attack-steps", "20",
      "--per-image", perImage, "--save-adversarial", examples.path,
    ])
    #expect(run.status == 0, "\(run.err)")
    let summary = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
    let lines = try String(contentsOfFile: perImage, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 80)
    let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    for row in summary["results"] as! [[String: Any]] {
      let method = row["method"] as! String, eps = row["eps"] as! Double
      let certified = objects.filter { ($0["eps"] as! Double) == eps && (($0[method] as! [String: Any])["certified"] as! Bool) }
      #expect(certified.count == row["certified"] as! Int)
      #expect(certified.allSatisfy { ((($0[method] as! [String: Any])["margin_lower"] as? Double) ?? -1) > 0 })
    }
    let saved = objects.compactMap { ($0["pgd"] as! [String: Any])["example"] as? String }
    #expect(!saved.isEmpty)
    for name in saved {
      #expect(FileManager.default.fileExists(atPath: examples.appendingPathComponent(name).path))
      #expect(FileManager.default.fileExists(atPath: examples.appendingPathComponent(name.replacingOccurrences(of: ".npy", with: ".png")).path))
    }
  }

  /// Branch and bound beside CROWN and the attack: it certifies at least CROWN's images, never an
  /// image the attack breaks, and its per-image verdicts add up to the summary's counts.
  @Test func branchAndBoundReportsVerdicts() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try Self.trainedCheckpoint(in: dir)
    let perImage = dir.appendingPathComponent("bab.jsonl").path
    let run = try certify([
      "audit", "robustness", "--model", model, "--limit", "20", "--eps", "0.02,0.05", "--method", "crown,alpha-crown,bab",
      "--timeout", "1", "--attack", "--json", "--per-image", perImage,
    ])
    #expect(run.status == 0, "\(run.err)")
    #expect(run.err.contains("bab, float64:"))  // progress
    let json = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
    let rows = json["results"] as! [[String: Any]]
    #expect(rows.map { $0["method"] as! String } == ["crown", "crown", "alpha-crown", "alpha-crown", "bab", "bab"])
    let objects = try String(contentsOfFile: perImage, encoding: .utf8).split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
    for row in rows where row["method"] as! String == "bab" {
      let eps = row["eps"] as! Double
      let crown = rows.first { $0["method"] as! String == "crown" && $0["eps"] as! Double == eps }!
      #expect(row["certified"] as! Int >= crown["certified"] as! Int)
      let lines = objects.filter { ($0["eps"] as! Double) == eps }
      let verdicts = lines.map { (($0["bab"] as! [String: Any])["verdict"] as! String) }
      #expect(verdicts.count { $0 == "certified" } == row["certified"] as! Int)
      #expect(verdicts.count { $0 == "falsified" } == row["falsified"] as! Int)
      #expect(verdicts.count { $0 == "unknown" } == row["unknown"] as! Int)
      for line in lines where ((line["bab"] as! [String: Any])["verdict"] as! String) == "certified" {
        #expect((line["pgd"] as! [String: Any])["broken"] as! Bool == false)
      }
    }
  }

  @Test func mpfiTierAgreesWithTheFastTierOnItsImages() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try Self.trainedCheckpoint(in: dir)
    func certified(_ tier: [String]) throws -> [Int] {
      let run = try certify(["audit", "robustness", "--model", model, "--limit", "6", "--eps", "0.01", "--method", "ibp", "--json"] + tier)
      #expect(run.status == 0, "\(run.err)")
      let json = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as! [String: Any]
      return (json["results"] as! [[String: Any]]).map { $0["certified"] as! Int }
    }
    // Both tiers are sound; the fast tier's boxes are wider, so it certifies no more.
    let mpfi = try certified(["--precision", "64"]), fast = try certified(["--fast"])
    #expect(zip(fast, mpfi).allSatisfy { $0 <= $1 })
  }

  @Test(arguments: [
    (["--eps", "0.01,x"], "'x' is not a number"),
    (["--eps", "2"], "outside [0, 1]"),
    (["--method", "lp"], "not one of ibp, crown"),
    (["--precision", "12"], "at least 24 bits"),
    (["--method", "bab", "--exact"], "runs in the fast tier only"),
    (["--timeout", "0"], "--timeout must be"),
    (["--fast", "--exact"], "choose one tier"),
    (["--save-adversarial", "adv"], "--save-adversarial needs --attack"),
    (["--per-image", "/nonexistent/dir/images.jsonl"], "cannot write /nonexistent/dir/images.jsonl"),
  ])
  func refusesBadOptions(options: [String], message: String) throws {
    let run = try certify(["audit", "robustness", "--model", "missing.ckpt"] + options)
    #expect(run.status != 0)
    #expect(run.err.contains(message), "\(run.err)")
  }

  @Test func namesAMissingModel() throws {
    let run = try certify(["audit", "robustness", "--model", "/nonexistent/m.ckpt"])
    #expect(run.status != 0)
    #expect(run.err.contains("cannot read /nonexistent/m.ckpt"))
  }
}

/// `certify audit gradients --enclosures`: the file's enclosures hold a JAX gradient computed from
/// the file's own parameters, inputs and labels (scripts/compare-enclosures-jax.py), and a
/// tampered file fails the same comparison.
@Suite("certify audit gradients --enclosures")
struct AuditGradientsEnclosuresCLITests {
  @Test func enclosuresHoldJAXsGradient() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try AuditRobustnessCLITests.trainedCheckpoint(in: dir)
    let file = dir.appendingPathComponent("enclosures.npz").path
    let run = try certify(["audit", "gradients", "--model", model, "--batch", "16", "--directions", "0", "--enclosures", file])
    #expect(run.status == 0, "\(run.err)")
    let python = URL(fileURLWithPath: "/usr/bin/env")
    let script = packageRoot.appendingPathComponent("scripts/compare-enclosures-jax.py").path
    let compared = try runProcess(python, ["python3", script, file])
    #expect(compared.status == 0, "\(compared.out)\(compared.err)")
    #expect(compared.out.split(separator: "\n").count == 8)  // 4 tensors, float64 and float32
    let tampered = dir.appendingPathComponent("tampered.npz").path
    let edit = "import numpy as np, sys; f = dict(np.load(sys.argv[1])); f['dense1.W_lo'] = f['dense1.W_lo'] + 1e-3; "
      + "f['dense1.W_hi'] = f['dense1.W_hi'] + 1e-3; np.savez(sys.argv[2], **f)"
    #expect(try runProcess(python, ["python3", "-c", edit, file, tampered]).status == 0)
    let refused = try runProcess(python, ["python3", script, tampered])
    #expect(refused.status == 1)
    #expect(refused.out.contains("dense1.W float64") && refused.out.contains("FAIL"))
  }
}
