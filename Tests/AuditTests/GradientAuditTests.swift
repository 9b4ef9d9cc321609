import Audit
import Certificates
import Evaluation
import Exact
import Intervals
import Foundation
import ProofKernel
import Testing
import Train

/// The gradient audit: the MPFI enclosure against exact evaluation of the certified formulas, the
/// trainer's Float32 gradient against the a priori bound, a perturbed gradient flagged, the
/// finite-difference check, both input formats and the errors.
@Suite("GradientAudit")
struct GradientAuditTests {
  static let store = CertificateStore(
    directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Certificates"))

  static func model(_ spec: String, seed: UInt64 = 5) throws -> Sequential {
    try Sequential(try ModelSpec(parsing: spec), seed: seed, certificates: store)
  }

  static func batch(width: Int, count: Int, classes: Int, seed: UInt64 = 9) throws -> GradientBatch {
    var random = SeededGenerator(seed: seed)
    let features = (0..<(width * count)).map { _ in Float.random(in: -1...1, using: &random) }
    let labels = (0..<count).map { _ in Int32.random(in: 0..<Int32(classes), using: &random) }
    return try GradientBatch(features: features, labels: labels, width: width)
  }

  static let specs = [
    "input 4\ndense 5\nrelu\ndense 3\nloss mse\n",
    "input 4\ndense 6\nrelu\ndense 5\nrelu\ndense 3\nloss softmax_cross_entropy\n",
    "input 3\ndense 4\nsigmoid\ndense 3\nloss softmax_cross_entropy\n",
    "input 3\ndense 4\ntanh\ndense 2\nloss mse\n",
  ]

  // MARK: - The enclosure against exact evaluation

  /// For dense/ReLU/MSE every value is rational: the certified formulas evaluated by
  /// `ExactEvaluator` (composed by the chain rule here, independently of the plans) give the exact
  /// gradient, and the 128-bit enclosure contains it.
  /// Split over threads (each part of the batch on plans of its own, the partial gradients added),
  /// the enclosure still contains it, and the loss enclosures of every split overlap.
  @Test(arguments: [1, 2, 3])
  func enclosureContainsTheExactRationalGradient(threads: Int) throws {
    let model = try Self.model(Self.specs[0])
    let batch = try Self.batch(width: 4, count: 3, classes: 3)
    let rules = try Dictionary(uniqueKeysWithValues: model.ruleNames.map { ($0, try ReplayedRule.load($0, from: Self.store)) })
    let enclosure = try GradientEnclosure<IntervalVector>(model: model, rules: rules, batch: batch, precision: 128, threads: threads)
    #expect(enclosure.parts.count == threads)
    try enclosure.forward()
    try enclosure.backward()
    let exact = try exactGradient(model, batch, rules)
    for (p, values) in exact.enumerated() {
      for (k, value) in values.enumerated() {
        #expect(enclosure.gradients[p].contains(k, value), "\(model.parameters[p].name)[\(k)]")
      }
    }
  }

  /// A certified formula compiled to a plan gives, on random small instances, an enclosure of the
  /// exact evaluator's value of the same term (every rule and output definition of the blocks).
  @Test(arguments: ["dense.W", "dense.x", "dense.b", "relu.x", "mse.y", "sigmoid.x", "tanh.x", "softmax_cross_entropy.z"])
  func plansAgreeWithEvaluation(rule name: String) throws {
    let rule = try ReplayedRule.load(name, from: Self.store)
    var random = SeededGenerator(seed: 11)
    let sizes: [String: Int] = ["I": 3, "O": 2, "n": 3]
    let shapes: [String: [Int]] = ["x": [3], "W": [2, 3], "b": [2], "dy": [name.hasPrefix("dense") ? 2 : 3], "y": [3], "z": [3], "t": [3]]
    for _ in 0..<5 {
      var tensors: [String: TensorValue] = [:]
      let vectors = shapes.mapValues { IntervalVector(count: $0.reduce(1, *), precision: 256) }
      for (tensor, shape) in shapes {
        let values = (0..<shape.reduce(1, *)).map { _ in Rational(Int.random(in: -9...9, using: &random), Int.random(in: 1...4, using: &random)) }
        let adjusted = tensor == "t" ? [Rational(0), Rational(1), Rational(0)] : values
        tensors[tensor] = try TensorValue(shape: shape, values: adjusted)
        for (k, v) in adjusted.enumerated() { vectors[tensor]!.set(k, to: v) }
      }
      let environment = Environment(dimensions: sizes, tensors: tensors)
      for (term, indices) in [(rule.formula, rule.indices), (rule.output.body, rule.output.parameters)] {
        let read = shapes.filter { term.description.contains($0.key + "[") }
        let plan = try FormulaPlan<IntervalVector>(term, rule: name, freeIndices: indices, tensors: read, dimensions: sizes, precision: 256)
        for tensor in plan.tensorNames { plan.bind(tensor, to: vectors[tensor]!) }
        // The same nodes in Float64 (the finite-difference back end), on the values rounded to Double.
        let doublePlan = try FormulaPlan<DoubleValues>(term, rule: name, freeIndices: indices, tensors: read, dimensions: sizes)
        for tensor in doublePlan.tensorNames {
          let v = vectors[tensor]!, d = DoubleValues(count: v.count)
          for k in 0..<v.count { d.set(k, to: v.lower(k)) }
          doublePlan.bind(tensor, to: d)
        }
        let out = IntervalVector(count: 1, precision: 256), doubleOut = DoubleValues(count: 1)
        let extents = indices.map { i in name.hasPrefix("dense") ? (i == "o" ? 2 : 3) : 3 }
        for point in cartesian(extents) {
          try plan.evaluate(at: point, into: out, 0)
          try doublePlan.evaluate(at: point, into: doubleOut, 0)
          let (lo, hi) = out.doubleBounds(0)
          let slack = 1e-12 * max(1, abs(lo), abs(hi))
          #expect(lo - slack <= doubleOut[0] && doubleOut[0] <= hi + slack, "\(name) at \(point): Float64 \(doubleOut[0]) vs [\(lo), \(hi)]")
          var env = environment
          for (i, v) in zip(indices, point) { env.indices[i] = v }
          if term.description.contains("exp(") || term.description.contains("sigmoid(") || term.description.contains("tanh(") || term.description.contains("log(") {
            var dual = DualEvaluator<Interval>(env, precision: 256)
            #expect(!out[0].isDisjoint(from: try dual.value(of: term)), "\(name) at \(point)")
          } else {
            var evaluator = ExactEvaluator(env)
            #expect(out.contains(0, try evaluator.value(of: term)), "\(name) at \(point)")
          }
        }
      }
    }
  }

  // MARK: - The Float32 gradient

  /// On dense/ReLU, sigmoid and tanh models, with MSE and softmax cross-entropy, the trainer's
  /// gradient is within the a priori bound everywhere, and the finite differences agree.
  @Test(arguments: specs)
  func floatGradientIsWithinTheBound(spec: String) throws {
    let model = try Self.model(spec)
    let batch = try Self.batch(width: model.inputWidth, count: 7, classes: model.outputWidth)
    let report = try GradientAudit(precision: 128, directions: 2).run(model, on: batch, certificates: Self.store)
    for t in report.tensors {
      #expect(t.withinBound, "\(t.name): \(t)")
      #expect(t.maxAbsError <= t.maxBound)
    }
    #expect(report.checks.count == 2 && report.checks.allSatisfy(\.consistent), "\(report.checks)")
    #expect(report.passed)
    #expect(report.loss.lower <= report.floatLoss + 1e-5 && report.floatLoss - 1e-5 <= report.loss.upper)
    let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
    let tensors = json["tensors"] as! [[String: Any]]
    #expect(tensors.map { $0["name"] as! String } == model.parameters.map(\.name))
    #expect(tensors.allSatisfy { $0["within_bound"] as! Bool && $0["max_ulps"] != nil && $0["max_rel_error"] != nil })
  }

  /// The report a newcomer reads: the verdict first, the input convention, errors against the
  /// tensor's scale and norm; and the enclosure arrays `--enclosures` writes, entry by entry.
  @Test func reportAndEnclosureArrays() throws {
    let model = try Self.model(Self.specs[1])
    let batch = try Self.batch(width: 4, count: 6, classes: 3)
    let report = try GradientAudit(precision: 128, directions: 1).run(model, on: batch, certificates: Self.store)
    let lines = report.table().split(separator: "\n")
    #expect(lines[0].hasPrefix("PASSED: every entry of the trainer's Float32 gradient is within the a priori rounding bound"))
    #expect(lines[2].hasPrefix("inputs: the trainer's Float32 features"))
    #expect(report.table().contains("a priori bound: a worst case over every summation order"))
    let archive = report.arrays.archive()
    for (p, (parameter, t)) in zip(model.parameters, report.tensors).enumerated() {
      func values(_ suffix: String) throws -> [Double] {
        let array = try #require(archive[parameter.name + suffix])
        #expect(array.shape == parameter.shape)
        switch array.elements {
        case let .float64(v): return v
        case let .float32(v): return v.map(Double.init)
        default: Issue.record("\(parameter.name + suffix): unexpected dtype"); return []
        }
      }
      let lo = try values("_lo"), hi = try values("_hi"), float = try values("_float32"), bound = try values("_bound")
      #expect(try values("_value") == parameter.value.scalars.map(Double.init))
      #expect(zip(lo, hi).allSatisfy { $0 <= $1 })
      #expect(float.indices.allSatisfy { abs(float[$0] - lo[$0]) <= bound[$0] && abs(float[$0] - hi[$0]) <= bound[$0] })
      #expect(report.arrays.tensors[p].float == model.parameters[p].gradient.scalars)
      // The figures, recomputed from the arrays (they are sound bounds, so ≥ or ≤ these).
      let scale = zip(lo, hi).map { max(abs($0), abs($1)) }.max()!
      #expect(t.scale >= scale)
      let smallest = zip(lo, hi).map { $0 > 0 ? $0 : $1 < 0 ? -$1 : 0 }
      #expect(t.norm <= smallest.map { $0 * $0 }.reduce(0, +).squareRoot() * (1 + 1e-12))
      let errors = float.indices.map { max(abs(float[$0] - lo[$0]), abs(float[$0] - hi[$0])) }
      #expect(t.normError >= errors.map { $0 * $0 }.reduce(0, +).squareRoot() * (1 - 1e-12))
      #expect(t.maxRelErrorAwayFromZero <= t.maxRelError)
      #expect(t.norm > 0 && t.normError / t.norm < 1e-5)
    }
    #expect(archive["inputs"]?.shape == [6, 4] && archive["labels"]?.shape == [6])
    if case let .float32(inputs) = archive["inputs"]?.elements { #expect(inputs == batch.features) } else { Issue.record("inputs") }
    let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
    #expect((json["verdict"] as! String).hasPrefix("PASSED"))
  }

  /// A gradient entry moved well outside its bound is flagged, in the right tensor.
  @Test func perturbedGradientIsFlagged() throws {
    let model = try Self.model(Self.specs[1])
    let batch = try Self.batch(width: 4, count: 5, classes: 3)
    let report = try GradientAudit(precision: 128, directions: 0).run(model, on: batch, certificates: Self.store) { g in
      g[2][3] += 1e-3 + abs(g[2][3]) * 1e-2
    }
    #expect(!report.tensors[2].withinBound && report.tensors[2].outside == 1)
    #expect(report.tensors.enumerated().allSatisfy { $0.offset == 2 || $0.element.withinBound })
    #expect(!report.passed && report.table().contains("NO (1 outside"))
    #expect(report.verdict == "FAILED: entries not certainly within the a priori bound in \(report.tensors[2].name)")
  }

  /// Relu inputs exactly 0 are counted as kinks: a zero bias and an all-zero example make every
  /// first-layer input 0.
  @Test func kinksAreReported() throws {
    let model = try Self.model(Self.specs[1])
    for p in model.parameters where p.name == "dense1.b" { p.value = Tensor(zeros: p.shape) }
    let batch = try GradientBatch(features: [0, 0, 0, 0], labels: [1], width: 4)
    let report = try GradientAudit(precision: 128, directions: 0).run(model, on: batch, certificates: Self.store)
    #expect(report.kinks["relu1"]?.exact == 6)
    #expect(report.table().contains("relu1: 6 exactly 0"))
  }

  // MARK: - Inputs

  @Test func checkpointsLoseTheirDropoutAndKeepTheirWeights() throws {
    let model = try Self.model("input 4\ndense 5\nrelu\ndropout keep 0.5\ndense 3\nloss softmax_cross_entropy\n")
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("gradaudit-\(UInt32.random(in: 0...UInt32.max)).ckpt").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Checkpoint(model: model).write(to: path)
    let loaded = try GradientAuditModel(contentsOf: path, certificates: Self.store)
    #expect(loaded.removedDropout == [3])
    #expect(loaded.model.layers.count == 3)
    #expect(loaded.model.parameters.map(\.value) == model.parameters.map(\.value))
    let report = try GradientAudit(precision: 64, directions: 1).run(loaded.model, on: try Self.batch(width: 4, count: 4, classes: 3), certificates: Self.store)
    #expect(report.passed)
  }

  @Test func npzNetworksAreAuditedWithSoftmaxCrossEntropy() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/mlp-3-4-2.npz")
    let loaded = try GradientAuditModel(contentsOf: url.path, certificates: Self.store)
    #expect(loaded.model.spec.text.contains("loss softmax_cross_entropy"))
    let network = try DenseNetwork(contentsOf: url.path)
    #expect(loaded.model.parameters[0].value.scalars == network.layers[0].weights)
    let report = try GradientAudit(precision: 128, directions: 1).run(loaded.model, on: try Self.batch(width: 3, count: 4, classes: 2), certificates: Self.store)
    #expect(report.passed)
  }

  /// A rule is replayed from the theorem file of its block, not only Theorems/layers.thm: the
  /// convolution's and max pooling's certificates load, taken apart into variable and indices.
  @Test(arguments: [("conv2d_s1.w", "w", 4), ("batchnorm.g", "g", 1), ("maxpool2_s2.x", "x", 3), ("dense.W", "W", 2)])
  func rulesReplayFromTheirOwnTheoremFile(rule: String, variable: String, rank: Int) throws {
    let replayed = try ReplayedRule.load(rule, from: Self.store)
    #expect(replayed.variable == variable && replayed.indices.count == rank)
    #expect(replayed.sha256 == (try RuleCertification.expected(rule))?.sha256)
  }

  @Test func badInputsAreErrorsNotCrashes() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("gradaudit-bad-\(UInt32.random(in: 0...UInt32.max))").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: GradientAuditError.self) { try GradientAuditModel(contentsOf: path, certificates: Self.store) }
    #expect(throws: GradientAuditError.self) { try GradientAuditModel(contentsOf: path + ".missing", certificates: Self.store) }
    #expect(throws: GradientAuditError.self) { try GradientBatch(features: [1, 2, 3], labels: [0, 1], width: 2) }
    #expect(throws: GradientAuditError.self) { try GradientBatch(features: [.nan, 2], labels: [0], width: 2) }
    let data = try Dataset(pixels: [1, 2, 3, 4], features: 2, labels: [0, 1], classes: 2)
    #expect(throws: GradientAuditError.self) { try GradientBatch(data, offset: 1, size: 2) }
    let model = try Self.model(Self.specs[0])
    let wide = try GradientBatch(features: [1, 2, 3], labels: [0], width: 3)
    #expect(throws: GradientAuditError.self) { try GradientAudit().run(model, on: wide, certificates: Self.store) }
    let badLabel = try GradientBatch(features: [1, 2, 3, 4], labels: [7], width: 4)
    #expect(throws: GradientAuditError.self) { try GradientAudit().run(model, on: badLabel, certificates: Self.store) }
    let empty = CertificateStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("no-certificates"))
    #expect(throws: GradientAuditError.self) { try ReplayedRule.load("dense.W", from: empty) }
    #expect(throws: GradientAuditError.self) { try ReplayedRule.load("no.such", from: Self.store) }
  }
}

// MARK: - Exact reference

/// Every point of the box `0 ..< extents[k]`.
func cartesian(_ extents: [Int]) -> [[Int]] {
  extents.reduce([[]]) { points, n in points.flatMap { p in (0..<n).map { p + [$0] } } }
}

/// The exact gradient of the batch-mean loss of a dense/relu/mse model, by `ExactEvaluator` on each
/// rule's certified formula, per example, composed by the chain rule.
func exactGradient(_ model: Sequential, _ batch: GradientBatch, _ rules: [String: ReplayedRule]) throws -> [[Rational]] {
  func vector(_ values: [Rational]) throws -> TensorValue { try TensorValue(shape: [values.count], values: values) }
  var gradients = model.parameters.map { Array(repeating: Rational(0), count: $0.value.count) }
  let B = Rational(batch.count)
  for b in 0..<batch.count {
    var activations = [try batch.features[(b * batch.width)..<((b + 1) * batch.width)].map { try Rational(exactly: Double($0)) }]
    for layer in model.layers {
      let block = type(of: layer).certifiedBlock
      let rule = rules[type(of: layer).ruleNames[0]]!
      var env = Environment(tensors: ["x": try vector(activations.last!)])
      if block == "dense" {
        env.dimensions = ["I": layer.inputWidth, "O": layer.outputWidth]
        env.tensors["W"] = try TensorValue(shape: layer.parameters[0].shape, values: layer.parameters[0].value.scalars.map { try Rational(exactly: Double($0)) })
        env.tensors["b"] = try vector(layer.parameters[1].value.scalars.map { try Rational(exactly: Double($0)) })
      } else {
        env.dimensions = ["n": layer.inputWidth]
      }
      activations.append(try (0..<layer.outputWidth).map { o in
        var e = env
        e.indices[rule.output.parameters[0]] = o
        var evaluator = ExactEvaluator(e)
        return try evaluator.value(of: rule.output.body)
      })
    }
    let n = model.outputWidth
    let target = (0..<n).map { Rational($0 == Int(batch.labels[b]) ? 1 : 0) }
    let lossRule = rules[type(of: model.loss).ruleNames[0]]!
    var seed = try (0..<n).map { i in
      var evaluator = ExactEvaluator(Environment(dimensions: ["n": n], indices: [lossRule.indices[0]: i], tensors: ["y": try vector(activations.last!), "t": try vector(target)]))
      return try evaluator.value(of: lossRule.formula) / B
    }
    var parameter = model.parameters.count
    for k in stride(from: model.layers.count - 1, through: 0, by: -1) {
      let layer = model.layers[k]
      var env = Environment(tensors: ["x": try vector(activations[k]), "dy": try vector(seed)])
      if type(of: layer).certifiedBlock == "dense" {
        env.dimensions = ["I": layer.inputWidth, "O": layer.outputWidth]
        env.tensors["W"] = try TensorValue(shape: layer.parameters[0].shape, values: layer.parameters[0].value.scalars.map { try Rational(exactly: Double($0)) })
        env.tensors["b"] = try vector(layer.parameters[1].value.scalars.map { try Rational(exactly: Double($0)) })
        parameter -= 2
        for (slot, p) in layer.parameters.enumerated() {
          let rule = rules[p.rule]!
          for point in cartesian(p.shape) {
            var e = env
            for (i, v) in zip(rule.indices, point) { e.indices[i] = v }
            var evaluator = ExactEvaluator(e)
            let flat = point.count == 2 ? point[0] * p.shape[1] + point[1] : point[0]
            gradients[parameter + slot][flat] += try evaluator.value(of: rule.formula)
          }
        }
      } else {
        env.dimensions = ["n": layer.inputWidth]
      }
      let inputRule = rules[type(of: layer).ruleNames[0]]!
      seed = try (0..<layer.inputWidth).map { i in
        var e = env
        e.indices[inputRule.indices[0]] = i
        var evaluator = ExactEvaluator(e)
        return try evaluator.value(of: inputRule.formula)
      }
    }
  }
  return gradients
}
