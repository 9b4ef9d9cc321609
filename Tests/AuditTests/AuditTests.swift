import Audit
import Exact
import Foundation
import Testing

/// Wider networks in batches (the vector loops and per-box tables), and the audit driver.
@Suite struct AuditDriverTests {
  /// Odd widths exercise the eight-lane loops and their scalar tails; 30 boxes share a batch.
  static let network = randomNetwork([19, 24, 17, 5], seed: 21, scale: 2)

  static func dataset(count: Int, seed: UInt64) -> AuditDataset {
    var random = SeededGenerator(seed: seed)
    var pixels: [UInt8] = []
    for _ in 0..<count { pixels += randomPixels(network.inputWidth, &random) }
    // Labels: the exact network's own class, or another for every seventh image (clean errors).
    let labels = (0..<count).map { k -> Int in
      let x = pixels[(k * 19)..<((k + 1) * 19)].map { Rational(Int($0), 255) }
      let predicted = network.predictedClass(at: x) ?? 0
      return k % 7 == 3 ? (predicted + 1) % 5 : predicted
    }
    return try! AuditDataset(pixels: pixels, features: 19, labels: labels)
  }

  @Test(arguments: [BoundMethod.ibp, .crown])
  func batchedBoundsContainTheNetworkAndMPFI(method: BoundMethod) {
    let data = Self.dataset(count: 30, seed: 3)
    let epsilon = Rational(2, 100)
    let boxes = (0..<data.count).map { try! data.box($0, epsilon: epsilon) }
    let fast = FastBounds(network: Self.network).bounds(method, over: boxes, trueClasses: data.labels)
    let mpfi = IntervalBounds(network: Self.network, arithmetic: MPFIArithmetic(precision: 128))
    var random = SeededGenerator(seed: 4)
    for (b, box) in boxes.enumerated() {
      let t = data.labels[b]
      let reference = method == .ibp ? mpfi.intervalBoundPropagation(over: box, trueClass: t) : mpfi.crown(over: box, trueClass: t)
      for r in reference.marginLower.indices {
        #expect(fast[b].marginLower[r].isLowerBound(of: reference.marginLower[r]), "box \(b) margin \(r)")
        #expect(fast[b].marginUpper[r].isUpperBound(of: reference.marginUpper[r]), "box \(b) margin \(r)")
      }
      for k in reference.hiddenLower.indices {
        for i in reference.hiddenLower[k].indices {
          #expect(fast[b].hiddenLower[k][i].isLowerBound(of: reference.hiddenLower[k][i]) && fast[b].hiddenUpper[k][i].isUpperBound(of: reference.hiddenUpper[k][i]))
        }
      }
      for _ in 0..<10 {
        let corner = box.corner(UInt64.random(in: 0..<(1 << 19), using: &random))
        let margins = exactMargins(Self.network.logits(at: corner), trueClass: t)
        for r in margins.indices { #expect(fast[b].marginLower[r].isLowerBound(of: margins[r])) }
      }
    }
  }

  @Test func tiersCertifyTheSameImages() throws {
    let data = Self.dataset(count: 24, seed: 5)
    for method in [RobustnessMethod.ibp, .crown] {
      for epsilon in [Rational(1, 100), Rational(4, 100)] {
        let fast = try RobustnessAudit(network: Self.network, method: method, tier: .float64).certify(data, epsilon: epsilon)
        let mpfi = try RobustnessAudit(network: Self.network, method: method, tier: .mpfi(precision: 128), threads: 2).certify(data, epsilon: epsilon)
        let exact = try RobustnessAudit(network: Self.network, method: method, tier: .exact, threads: 2).certify(data, epsilon: epsilon)
        // Sound tiers agree but for margins within rounding distance of 0 (none here).
        #expect(fast.certified == exact.certified, "\(method) ε=\(epsilon)")
        #expect(mpfi.certified == exact.certified, "\(method) ε=\(epsilon)")
        #expect(exact.certifiedCount > 0 && exact.certifiedCount < data.count, "\(method) ε=\(epsilon): not a trivial case")
      }
    }
  }

  @Test func skippingSettledMarginsCertifiesTheSameImages() throws {
    let data = Self.dataset(count: 300, seed: 6)
    var audit = try RobustnessAudit(network: Self.network, method: .crown, tier: .float64)
    for epsilon in [Rational(1, 100), Rational(3, 100), Rational(1, 10)] {
      audit.skipsSettledMargins = true
      let skipping = try audit.certify(data, epsilon: epsilon)
      audit.skipsSettledMargins = false
      let full = try audit.certify(data, epsilon: epsilon)
      #expect(skipping.certified == full.certified)
    }
  }

  @Test func reportCountsCleanAndCertifiedImages() throws {
    let data = Self.dataset(count: 50, seed: 7)
    let audit = try RobustnessAudit(network: Self.network, method: .crown)
    let report = try audit.run(data, epsilons: [0, Rational(3, 1000), Rational(5, 100)])
    let clean = report.cleanCorrect
    // Labels were set to the exact network's class except every seventh image.
    #expect(clean == (0..<50).map { $0 % 7 != 3 })
    // A certified image is a correctly classified one; ε = 0 certifies exactly those.
    for result in report.results {
      #expect(zip(result.certified, clean).allSatisfy { !$0 || $1 })
    }
    #expect(report.results[0].certified == clean)
    #expect(report.results[2].certifiedCount <= report.results[1].certifiedCount)
    #expect(report.table().contains("0.003"))
    let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
    #expect(json["examples"] as? Int == 50)
    let rows = json["results"] as? [[String: Any]] ?? []
    #expect(rows.map { $0["eps"] as? Double } == [0, 0.003, 0.05])
    #expect(rows.allSatisfy { $0["method"] as? String == "crown" && $0["clean_accuracy"] as? Double == report.cleanAccuracy })
    #expect(rows.map { $0["certified_accuracy"] as? Double } == report.results.map(\.certifiedAccuracy))
  }

  @Test func datasetChecksItsInputs() throws {
    #expect(throws: AuditError.self) { try AuditDataset(pixels: [1, 2, 3], features: 2, labels: [0]) }
    let scaled = try AuditDataset(scaledImages: [0, Float(1) / 255, Float(128) * (1 / 255), 1], features: 2, labels: [0, 1])
    #expect(scaled.pixels == [0, 1, 128, 255])
    #expect(throws: AuditError.self) { try AuditDataset(scaledImages: [0.5], features: 1, labels: [0]) }
    let audit = try RobustnessAudit(network: Self.network)
    #expect(throws: AuditError.self) { try audit.certify(try AuditDataset(pixels: [0, 0], features: 2, labels: [0]), epsilon: 0) }
    #expect(throws: AuditError.self) { try audit.certify(Self.dataset(count: 2, seed: 1), epsilon: -1) }
    #expect(AuditTier("mpfi256") == .mpfi(precision: 256) && AuditTier("exact") == .exact && AuditTier("mpfi8") == nil)
  }
}
