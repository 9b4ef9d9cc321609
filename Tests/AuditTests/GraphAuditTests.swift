import Audit
import Exact
import Foundation
import Intervals
import Testing
import Train

/// The robustness audit on graph-shaped models (residual `add`, `from`, fan-out, the input read
/// twice), held against the definitions evaluated value by value over the graph in MPFI at 512
/// bits (`GraphReference`): at random points and corners of the ball, in all three tiers, IBP and
/// CROWN; the fast tier against MPFI; CROWN tighter than IBP; the attack's points misclassified.
@Suite struct GraphAuditTests {
  /// Dense blocks: `h` read by the next layer and by `add h`, a `from` branch, the input itself
  /// added (value 0 carried past a layer). The input is added before a relu, not after: a relu's
  /// output plus a clipped pixel has an IBP lower bound of exactly 0, which the fast tier's outward
  /// rounding makes straddle 0 and tightens by CROWN where the exact tiers do not (sound, but the
  /// tiers then differ by more than rounding).
  static let dense = """
    input 5
    dense 5
    add input
    h = relu
    dense 5
    relu
    dense 5
    add h
    r = relu
    from h dense 5
    add r
    relu
    dense 3
    loss softmax_cross_entropy
    """

  /// Models/resnet.spec in small: a stem, an identity block, a strided block whose shortcut is a
  /// strided 1x1 convolution, global average pooling and a dense head; batch norm folded.
  static let conv = """
    input 1x6x6
    conv2d 1->2 3 pad 1
    batchnorm
    stem = relu
    conv2d 2->2 3 pad 1
    batchnorm
    add stem
    block1 = relu
    conv2d 2->3 3 stride 2 pad 1
    relu
    residual = conv2d 3->3 3 pad 1
    from block1 conv2d 2->3 1 stride 2
    batchnorm
    add residual
    relu
    global_avgpool
    dense 3
    loss softmax_cross_entropy
    """

  static let specs = [dense, conv, conv.replacingOccurrences(of: "batchnorm\n", with: "")]

  static func margins(_ logits: [Interval], trueClass t: Int) -> [Interval] {
    logits.indices.filter { $0 != t }.map { logits[t] - logits[$0] }
  }

  /// The lowered chain: routes where values are copied or reordered, lifted layers carrying the
  /// values read further down, `add` as a sparse layer; the head last.
  @Test func theGraphLowersToAChain() throws {
    let network = try LayerNetwork(checkpoint: try GraphReference(Self.dense, seed: 1).checkpoint)
    #expect(network.kinds == "route-dense-add-relu-route-dense-relu-dense-route-add-relu-route-dense-add-relu-dense")
    #expect(network.inputWidth == 5 && network.classes == 3)
    let resnet = try LayerNetwork(checkpoint: try GraphReference(Self.conv, seed: 1).checkpoint)
    #expect(resnet.kinds.hasPrefix("conv2d-batchnorm-relu-route-conv2d-batchnorm-add-relu-route-conv2d"))
    #expect(resnet.inputImage == ImageShape(channels: 1, height: 6, width: 6))
  }

  /// The loaded network is the trainer's function: exact logits (enclosed) against the trainer's
  /// Float32 forward pass of the same graph.
  @Test(arguments: specs)
  func theLoadedGraphIsTheTrainersFunction(spec: String) throws {
    let reference = try GraphReference(spec, seed: 2)
    let network = try LayerNetwork(checkpoint: reference.checkpoint)
    var random = SeededGenerator(seed: 12)
    let width = network.inputWidth
    for _ in 0..<4 {
      let pixels = randomPixels(width, &random)
      let x = pixels.map { Rational(Int($0), 255) }
      let exact = reference.logits(at: x)
      let loaded = network.logitEnclosures(at: x)
      // Both enclose the exact logits (the loaded network's are points when it is rational).
      #expect(exact.indices.allSatisfy { loaded[$0].lower <= exact[$0].upper && exact[$0].lower <= loaded[$0].upper })
      let trained = reference.trainerLogits(pixels.map { Float($0) / 255 })
      for k in exact.indices {
        let value = Double(exact[k].midpoint)
        #expect(abs(Double(trained[k]) - value) <= 1e-4 * (1 + abs(value)), "logit \(k): trainer \(trained[k]), exact \(value)")
      }
    }
  }

  @Test(arguments: specs)
  func boundsHoldAtPointsAndCornersInAllTiers(spec: String) throws {
    let reference = try GraphReference(spec, seed: 3)
    let network = try LayerNetwork(checkpoint: reference.checkpoint)
    var random = SeededGenerator(seed: 10)
    let exact = IntervalBounds(network: network, arithmetic: ExactArithmetic())
    let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 128))
    let fast = try FastBounds(network: network)
    for epsilon in [Rational(1, 100), Rational(1, 10), Rational(1, 2)] {
      let box = try InputBox(pixels: randomPixels(network.inputWidth, &random), epsilon: epsilon)
      let t = Int.random(in: 0..<3, using: &random)
      var all: [(name: String, encloses: ([Interval]) -> Bool)] = []
      for method in BoundMethod.allCases {
        // The exact tier through three folded batch norms multiplies rational enclosures with
        // denominators of hundreds of digits (minutes in debug): it runs on the graph without them,
        // and at the smallest radius only (at the two larger ones, with more unstable relus, its
        // rationals took 61 of this test's 63 s of CPU; MPFI and the fast tier, which share its
        // code paths, still run at every radius).
        var enclosing = [("mpfi", mpfi.bounds(method, box, t))]
        if !spec.contains("batchnorm") && epsilon == Rational(1, 100) { enclosing.append(("exact", exact.bounds(method, box, t))) }
        for (tier, b) in enclosing {
          all.append(("\(tier) \(method)", { m in m.indices.allSatisfy { b.marginLower[$0] <= m[$0].lower && m[$0].upper <= b.marginUpper[$0] } }))
        }
        let f = fast.bounds(method, over: [box], trueClasses: [t])[0]
        all.append(("fast \(method)", { m in m.indices.allSatisfy { CNNAuditTests.encloses(f.marginLower[$0], f.marginUpper[$0], m[$0]) } }))
      }
      let points = (0..<8).map { _ in randomPoint(in: box, &random) }
        + (0..<8).map { _ in box.corner(UInt64.random(in: 0...UInt64.max, using: &random)) } + [box.lower, box.upper]
      for point in points {
        let margins = Self.margins(reference.logits(at: point), trueClass: t)
        for bounds in all { #expect(bounds.encloses(margins), "\(bounds.name), ε \(epsilon)") }
      }
    }
  }

  /// The fast tier's bounds contain MPFI's at 256 bits, hidden and margin, and are within 1e-9 of
  /// them.
  @Test(arguments: [BoundMethod.ibp, .crown])
  func fastTierContainsMPFIAt256Bits(method: BoundMethod) throws {
    var random = SeededGenerator(seed: 31)
    for spec in Self.specs {
      let network = try LayerNetwork(checkpoint: try GraphReference(spec, seed: 4).checkpoint)
      let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 256))
      let fast = try FastBounds(network: network)
      for epsilon in [Rational(1, 255), Rational(1, 20), Rational(1, 4)] {
        let box = try InputBox(pixels: randomPixels(network.inputWidth, &random), epsilon: epsilon)
        let t = Int.random(in: 0..<3, using: &random)
        let reference = mpfi.bounds(method, box, t)
        let bounds = fast.bounds(method, over: [box], trueClasses: [t])[0]
        #expect(bounds.hiddenLower.count == reference.hiddenLower.count)
        for k in reference.hiddenLower.indices {
          for i in reference.hiddenLower[k].indices {
            #expect(bounds.hiddenLower[k][i].isLowerBound(of: reference.hiddenLower[k][i]), "\(network.kinds) ε \(epsilon) t \(t) layer \(k) value \(i)")
            #expect(bounds.hiddenUpper[k][i].isUpperBound(of: reference.hiddenUpper[k][i]), "\(network.kinds) ε \(epsilon) t \(t) layer \(k) value \(i)")
          }
        }
        for r in reference.marginLower.indices {
          #expect(bounds.marginLower[r].isLowerBound(of: reference.marginLower[r]) && bounds.marginUpper[r].isUpperBound(of: reference.marginUpper[r]))
          #expect(reference.marginLower[r] - bounds.marginLower[r].exactValue! < Rational(1, 1_000_000_000), "ε \(epsilon) margin \(r)")
        }
      }
    }
  }

  /// Through the residual connections CROWN's linear bounds beat IBP's boxes: its margin lower
  /// bounds are never below IBP's and, summed over images, strictly above them (both tiers).
  @Test(arguments: specs)
  func crownIsTighterThanIBPOnAResidualNetwork(spec: String) throws {
    let network = try LayerNetwork(checkpoint: try GraphReference(spec, seed: 5).checkpoint)
    let fast = try FastBounds(network: network)
    let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 128))
    var random = SeededGenerator(seed: 6)
    var gain = 0.0, mpfiGain = Rational(0)
    for _ in 0..<4 {
      let box = try InputBox(pixels: randomPixels(network.inputWidth, &random), epsilon: Rational(1, 20))
      let t = Int.random(in: 0..<3, using: &random)
      let ibp = fast.bounds(.ibp, over: [box], trueClasses: [t])[0], crown = fast.bounds(.crown, over: [box], trueClasses: [t])[0]
      for r in ibp.marginLower.indices {
        #expect(crown.marginLower[r] >= ibp.marginLower[r])
        gain += crown.marginLower[r] - ibp.marginLower[r]
      }
      let a = mpfi.bounds(.ibp, box, t), b = mpfi.bounds(.crown, box, t)
      for r in a.marginLower.indices { mpfiGain += b.marginLower[r] - a.marginLower[r] }
    }
    #expect(gain > 0)
    #expect(mpfiGain > 0)
  }

  /// An attack's point on a residual network is misclassified by the exact network: the
  /// reference's enclosures prove it.
  @Test(arguments: specs)
  func attackPointsAreProvenMisclassified(spec: String) throws {
    let reference = try GraphReference(spec, seed: 7)
    let network = try LayerNetwork(checkpoint: reference.checkpoint)
    let attack = try PGDAttack(network: network, steps: 40, restarts: 2, seed: 1)
    var random = SeededGenerator(seed: 8)
    var broken = 0
    for _ in 0..<6 {
      let box = try InputBox(pixels: randomPixels(network.inputWidth, &random), epsilon: Rational(1, 2))
      let label = Int.random(in: 0..<3, using: &random)
      guard let point = attack.attack(box, label: label) else { continue }
      broken += 1
      #expect(box.contains(point))
      let logits = reference.logits(at: point)
      #expect(logits.indices.contains { $0 != label && logits[$0].lower >= logits[label].upper })
    }
    #expect(broken > 0)
  }

  /// `mul` (a gate) is refused by name, with the reason.
  @Test func mulIsRefusedWithItsReason() throws {
    let reference = try GraphReference("input 4\ng = dense 4\nrelu\nmul g\ndense 3\nloss softmax_cross_entropy\n", seed: 1)
    #expect {
      _ = try LayerNetwork(checkpoint: reference.checkpoint, path: "gated.ckpt")
    } throws: { error in
      "\(error)".contains("gated.ckpt: layer 3 ('mul g')") && "\(error)".contains("product")
    }
  }

  /// Per-image results (`--per-image`, `--save-adversarial`) on the residual CNN: each image's
  /// CROWN margin bound is below the reference's worst margin at points of the ball, positive
  /// exactly where certified; each saved example (an image of the input's shape) is in the ball
  /// and misclassified by the reference.
  @Test func perImageResultsAndSavedExamples() throws {
    let reference = try GraphReference(Self.conv, seed: 2, biasScale: 0)
    let network = try LayerNetwork(checkpoint: reference.checkpoint)
    var random = SeededGenerator(seed: 21)
    let count = 16
    let pixels = randomPixels(36 * count, &random)
    let audit = try RobustnessAudit(network: network, method: .crown, threads: 2)
    // Labelled with the network's own classes, so that every image is attacked.
    let unlabelled = try AuditDataset(pixels: pixels, features: 36, labels: [Int](repeating: 0, count: count))
    let data = try AuditDataset(pixels: pixels, features: 36, labels: try audit.predictions(unlabelled).map { $0 ?? 0 })
    #expect(Set(data.labels).count > 1, "the network takes one class on these images: nothing to attack")
    let epsilons = [Rational(1, 100), Rational(1)]  // the whole cube: every class the network takes is reachable
    let report = try audit.run(data, epsilons: epsilons)
    for (k, result) in report.results.enumerated() {
      for index in 0..<count {
        #expect(result.certified[index] == (result.worstMarginLower[index] > 0))
        let box = try data.box(index, epsilon: epsilons[k])
        for point in (0..<4).map({ _ in randomPoint(in: box, &random) }) + [box.lower, box.upper] {
          let worst = Self.margins(reference.logits(at: point), trueClass: data.labels[index]).map(\.lower).min()!
          #expect(result.worstMarginLower[index].isLowerBound(of: worst), "image \(index) ε \(epsilons[k])")
        }
      }
    }
    let pgd = try PGDAttack(network: network, steps: 40, restarts: 2, seed: 1)
    let attacks = try report.results.map {
      try audit.attack(data, epsilon: $0.epsilon, with: pgd, cleanCorrect: report.cleanCorrect, certified: $0.certified)
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("graph-per-image-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let saved = try attacks.map { try AdversarialFiles.write($0, shape: [1, 6, 6], to: directory) }
    let perImage = PerImageReport(
      summary: RobustnessSummary(reports: [report], attacks: attacks), labels: data.labels, predictions: try audit.predictions(data),
      savedExamples: saved)
    #expect(perImage.jsonLines().split(separator: "\n").count == count * epsilons.count)
    var examples = 0
    for (k, names) in saved.enumerated() {
      for name in names.compactMap({ $0 }) {
        let image = try #require(Int(name.split(separator: "-")[1]))
        let array = try NumPyArray(npy: Array(try Data(contentsOf: directory.appendingPathComponent(name))), name: name)
        guard case let .float64(values) = array.elements else {
          Issue.record("\(name) is not float64")
          continue
        }
        #expect(array.shape == [1, 6, 6])
        let point = try values.map { try Rational(exactly: $0) }
        #expect(try data.box(image, epsilon: epsilons[k]).contains(point))
        let logits = reference.logits(at: point)
        #expect(logits.indices.contains { $0 != data.labels[image] && logits[$0].lower >= logits[data.labels[image]].upper })
        examples += 1
      }
    }
    #expect(examples > 0)
  }
}
