import Audit
import Exact
import Foundation
import Testing

/// Per-image results (`certify audit robustness --per-image`): each image's verdicts and margin
/// bounds, and the attack's examples, checked against the exact network.
@Suite struct PerImageTests {
  /// Each method's per-image margin bound is a lower bound of the exact worst margin at random
  /// points and corners of the ball, positive exactly where the image is certified, in every tier.
  @Test(arguments: [AuditTier.float64, .mpfi(precision: 128), .exact])
  func marginBoundsAreSound(tier: AuditTier) throws {
    let network = randomNetwork([6, 10, 5], seed: 3)
    let data = try AuditDataset(
      pixels: (0..<12).flatMap { k in (0..<6).map { UInt8((k * 37 + $0 * 71) % 256) } }, features: 6,
      labels: (0..<12).map { $0 % 5 })
    var random = SeededGenerator(seed: 4)
    for method in [RobustnessMethod.ibp, .crown] {
      let audit = try RobustnessAudit(network: network, method: method, tier: tier, threads: 2)
      for epsilon in [Rational(1, 100), Rational(1, 10)] {
        let result = try audit.certify(data, epsilon: epsilon)
        #expect(result.worstMarginLower.count == data.count)
        for index in 0..<data.count {
          #expect(result.certified[index] == (result.worstMarginLower[index] > 0))
          let box = try data.box(index, epsilon: epsilon)
          let points = (0..<8).map { _ in randomPoint(in: box, &random) } + (0..<8).map { _ in box.corner(UInt64.random(in: 0...63, using: &random)) }
          for point in points {
            let worst = exactMargins(network.logits(at: point), trueClass: data.labels[index]).min()!
            #expect(result.worstMarginLower[index].isLowerBound(of: worst), "\(tier) \(method) image \(index)")
          }
        }
      }
    }
  }

  /// Predictions are the exact network's classes, on images it gets right and wrong.
  @Test func predictionsAreTheExactClasses() throws {
    let network = AuditDriverTests.network
    let data = AuditDriverTests.dataset(count: 30, seed: 31)
    let predictions = try RobustnessAudit(network: network).predictions(data)
    for index in 0..<data.count {
      #expect(predictions[index] == network.predictedClass(at: data.image(index).map { Rational(Int($0), 255) }))
    }
    #expect(zip(predictions, data.labels).contains { $0 != $1 })  // some clean errors
  }

  /// The JSON Lines: one object per image and ε with the fields documented; broken images carry
  /// their example, which lies in the ball, is misclassified exactly, and is saved as .npy (read
  /// back exactly) and PNG.
  @Test func jsonLinesAndSavedExamples() throws {
    let network = AuditDriverTests.network
    let data = AuditDriverTests.dataset(count: 20, seed: 41)
    let audit = try RobustnessAudit(network: network, method: .crown, threads: 2)
    let epsilons = [Rational(2, 100), Rational(15, 100)]
    let report = try audit.run(data, epsilons: epsilons)
    let pgd = PGDAttack(network: network, steps: 100, restarts: 2, seed: 1)
    let attacks = try report.results.map {
      try audit.attack(data, epsilon: $0.epsilon, with: pgd, cleanCorrect: report.cleanCorrect, certified: $0.certified)
    }
    let summary = RobustnessSummary(reports: [report], attacks: attacks)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("per-image-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let saved = try attacks.map { try AdversarialFiles.write($0, shape: [data.features], to: directory) }
    let perImage = PerImageReport(summary: summary, labels: data.labels, predictions: try audit.predictions(data), savedExamples: saved)
    let lines = perImage.jsonLines().split(separator: "\n")
    #expect(lines.count == data.count * epsilons.count)
    var brokenWithExample = 0
    for line in lines {
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
      let image = object["image"] as! Int, k = epsilons.firstIndex { Double($0) == object["eps"] as! Double }!
      #expect(object["label"] as? Int == data.labels[image])
      let crown = object["crown"] as! [String: Any]
      #expect(crown["certified"] as? Bool == report.results[k].certified[image])
      let pgdObject = object["pgd"] as! [String: Any]
      #expect(pgdObject["broken"] as? Bool == attacks[k].broken[image])
      if let name = pgdObject["example"] as? String {
        brokenWithExample += 1
        #expect((pgdObject["margin"] as! Double) <= 0)
        let array = try NumPyArray(npy: Array(try Data(contentsOf: directory.appendingPathComponent(name))), name: name)
        guard case let .float64(values) = array.elements else {
          Issue.record("\(name) is not float64")
          continue
        }
        let point = try values.map { try Rational(exactly: $0) }
        #expect(try data.box(image, epsilon: epsilons[k]).contains(point))
        #expect(network.predictedClass(at: point) != data.labels[image])
      }
    }
    #expect(brokenWithExample > 0)
  }

  /// A PNG of an example starts with the PNG signature and holds IHDR, IDAT and IEND.
  @Test func adversarialPNGIsAPNG() throws {
    let attack = AttackResult(
      epsilon: Rational(1, 10), broken: [true], cleanCorrect: [true], examples: [[0, 0.5, 1, 0.25]], exampleMargins: [-0.1],
      seconds: 0)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    #expect(try AdversarialFiles.write(attack, shape: [2, 2], to: directory) == ["image-0-eps-0.1.npy"])
    let png = Array(try Data(contentsOf: directory.appendingPathComponent("image-0-eps-0.1.png")))
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let text = String(decoding: png, as: UTF8.self)
    #expect(text.contains("IHDR") && text.contains("IDAT") && text.contains("IEND"))
  }
}
