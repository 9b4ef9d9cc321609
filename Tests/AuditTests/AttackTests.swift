import Audit
import Exact
import Foundation
import Testing

/// The projected gradient attack against the certificates: what one proves robust, the other
/// must fail to break, and what the attack reports must really be misclassified.
@Suite struct AttackTests {
  /// Every image CROWN certifies at ε resists a 100-step attack with restarts at that ε; the
  /// attack still breaks some uncertified images, so the check is not vacuous.
  @Test func certifiedImagesResistTheAttack() throws {
    let network = AuditDriverTests.network
    let data = AuditDriverTests.dataset(count: 40, seed: 11)
    let attack = PGDAttack(network: network, steps: 100, restarts: 3, seed: 5)
    var broken = 0, certifiedTotal = 0
    for epsilon in [Rational(1, 100), Rational(5, 100), Rational(15, 100)] {
      let result = try RobustnessAudit(network: network, method: .crown, tier: .float64).certify(data, epsilon: epsilon)
      for index in 0..<data.count {
        let box = try data.box(index, epsilon: epsilon)
        let found = attack.attack(box, label: data.labels[index])
        if result.certified[index] {
          certifiedTotal += 1
          #expect(found == nil, "image \(index) is certified at ε = \(epsilon) but the attack broke it")
        }
        if let point = found {
          broken += 1
          // Checked here again, independently of the attack: inside the ball, misclassified.
          #expect(box.contains(point))
          let logits = network.logits(at: point)
          #expect(logits.indices.contains { $0 != data.labels[index] && logits[$0] >= logits[data.labels[index]] })
        }
      }
    }
    #expect(certifiedTotal > 10)
    #expect(broken > 10)
  }

  /// The audit's attack sits above the certificates: certified ≤ unbroken ≤ clean at each ε, and
  /// attacking every correct image (certified ones included) breaks none of the certified ones.
  @Test func attackBoundsRobustAccuracyFromAbove() throws {
    let network = AuditDriverTests.network
    let data = AuditDriverTests.dataset(count: 30, seed: 21)
    let audit = try RobustnessAudit(network: network, method: .crown, threads: 2)
    let pgd = PGDAttack(network: network, steps: 100, restarts: 2, seed: 1)
    let report = try audit.run(data, epsilons: [Rational(2, 100), Rational(8, 100)])
    let summary = RobustnessSummary(reports: [report], attacks: try report.results.map { result in
      let all = try audit.attack(data, epsilon: result.epsilon, with: pgd, cleanCorrect: report.cleanCorrect)
      #expect(!zip(all.broken, result.certified).contains { $0 && $1 })
      let skipping = try audit.attack(data, epsilon: result.epsilon, with: pgd, cleanCorrect: report.cleanCorrect, certified: result.certified)
      #expect(skipping.broken == all.broken)
      #expect(result.certifiedCount <= skipping.unbrokenCount && skipping.unbrokenCount <= report.cleanCorrect.count { $0 })
      return skipping
    })
    #expect(summary.attacks[1].unbrokenCount <= summary.attacks[0].unbrokenCount)
    #expect(summary.table().split(separator: "\n")[1].split(separator: " ") == ["epsilon", "crown", "pgd"])
    let json = try JSONSerialization.jsonObject(with: Data(summary.json().utf8)) as! [String: Any]
    let attacks = json["attacks"] as! [[String: Any]]
    #expect(attacks.map { $0["unbroken_accuracy"] as! Double } == summary.attacks.map(\.unbrokenAccuracy))
    #expect(summary.svg().contains("PGD"))
  }

  /// In the exact tier too, on the small test networks, at every test radius.
  @Test(arguments: testNetworks.map(\.name))
  func exactCertificatesResistTheAttack(name: String) throws {
    let network = testNetworks.first { $0.name == name }!.network
    var random = SeededGenerator(seed: 17)
    let images = (0..<12).map { _ in randomPixels(network.inputWidth, &random) }
    let labels = images.map { network.predictedClass(at: $0.map { Rational(Int($0), 255) }) ?? 0 }
    let data = try AuditDataset(pixels: images.flatMap { $0 }, features: network.inputWidth, labels: labels)
    let audit = try RobustnessAudit(network: network, method: .crown, tier: .exact, threads: 2)
    let attack = PGDAttack(network: network, steps: 100, restarts: 2, seed: 9)
    for epsilon in testEpsilons {
      let certified = try audit.certify(data, epsilon: epsilon).certified
      for index in 0..<data.count where certified[index] {
        #expect(attack.attack(try data.box(index, epsilon: epsilon), label: labels[index]) == nil)
      }
    }
  }

  /// An image the network already gets wrong is broken at ε = 0, at its exact centre.
  @Test func misclassifiedImagesAreBrokenAtZero() throws {
    let network = AuditDriverTests.network
    let data = AuditDriverTests.dataset(count: 14, seed: 3)
    let attack = PGDAttack(network: network)
    let clean = try RobustnessAudit(network: network).cleanCorrect(data)
    for index in 0..<data.count {
      let box = try data.box(index, epsilon: 0)
      let found = attack.attack(box, label: data.labels[index])
      #expect((found != nil) == !clean[index], "image \(index)")
      if let found { #expect(found == box.lower) }
    }
  }

  /// The Float64 gradient the search follows is the network's: it matches central differences.
  @Test func gradientMatchesFiniteDifferences() {
    let network = testNetworks[0].network
    let attack = PGDAttack(network: network)
    let x = [0.3, 0.7, 0.1, 0.9, 0.5]
    let (_, gradient) = attack.worstMarginGradient(x, 1)
    let h = 1e-6
    for i in x.indices {
      var up = x, down = x
      up[i] += h
      down[i] -= h
      let slope = (attack.worstMarginGradient(up, 1).margin - attack.worstMarginGradient(down, 1).margin) / (2 * h)
      #expect(abs(slope - gradient[i]) < 1e-6, "coordinate \(i)")
    }
  }
}
