import Algebra
import Certificates
import Evaluation
import Exact
import Intervals
import Foundation
import ProofKernel
import Testing
@testable import Train

/// A spec of one formula layer over `width` inputs, with an mse loss.
func formulaSpec(_ block: String, width: Int = 4) -> String {
  "input \(width)\n\(block)\nloss mse\n"
}

/// The formula layer of a certified one-layer model.
func formulaLayer(_ block: String, width: Int = 4) throws -> FormulaLayer {
  let model = try Sequential(try ModelSpec(parsing: formulaSpec(block, width: width)), seed: 1, certificates: testStore)
  return try #require(model.layers.first as? FormulaLayer)
}

/// The SpecError that building the one-layer model throws (parsing or certifying).
func formulaError(_ block: String, width: Int = 4) -> SpecError? {
  do {
    _ = try Sequential(try ModelSpec(parsing: formulaSpec(block, width: width), file: "f.spec"), seed: 1, certificates: testStore)
    return nil
  } catch let error as SpecError {
    return error
  } catch {
    Issue.record("not a SpecError: \(error)")
    return nil
  }
}

/// Blocks covering what the evaluator runs: functions of the derivative table, powers, sums,
/// guards, zero extension, index mixing, output widths other than the input's, a given rule.
let formulaBlocks: [String] = [
  "layer swish(n)\n  input x[n]\n  output y[i: n] = x[i] * sigmoid(x[i])",
  "layer swish_y(n)\n  input x[n]\n  output y[i: n] = x[i] * sigmoid(x[i])\n  vjp x[i] = (y[i] + sigmoid(x[i]) * (1 - y[i])) * dy[i]",
  "layer pairs(n)\n  input x[n]\n  output y[i: n - 1] = x[i] * x[i + 1]",
  "layer shift(n)\n  input x[n]\n  output y[i: n] = x[i + 1]",
  "layer mix(n)\n  input x[n]\n  output y[i: n] = x[i] * sum(j: n) x[j]",
  "layer cumsum(n)\n  input x[n]\n  output y[i: n] = sum(j: n | j <= i) x[j]",
  "layer twice(n)\n  input x[n]\n  output y[i: 2 * n] = [i < n] * x[i] + [i >= n] * tanh(x[i - n])",
  "layer softplus(n)\n  input x[n]\n  output y[i: n] = log(1 + exp(x[i]))",
  "layer gelu_(n)\n  input x[n]\n  output y[i: n] = gelu(x[i]) + erf(x[i]) / 3",
  "layer softsign(n)\n  input x[n]\n  output y[i: n] = x[i] / sqrt(1 + x[i] ^ 2) + (2 / n) * sum(j: n) delta(i, j + 1) * x[j] ^ 3",
]

/// A random dyadic value k/8 in [-2, 2], exact in Double and as a Rational.
func dyadic(_ rng: inout SplitMix64) -> Double { Double(Int(rng.next() % 33) - 16) / 8 }

/// The value of a certified term in an environment: exact when rational, else a 256-bit enclosure.
func enclose(_ t: Term, _ env: Environment) throws -> (lower: Double, upper: Double) {
  var exact = ExactEvaluator(env)
  if let v = try? exact.value(of: t) { let d = Double(v); return (d, d) }
  var dual = DualEvaluator<Interval>(env, precision: 256)
  return try dual.value(of: t).doubleBounds
}

@Suite("Formula layers: custom layers derived, certified and run at load")
struct FormulaLayerTests {
  // MARK: - Agreement with the certified formulas

  /// On random small batches, the evaluator's forward output and backward rule (in Double, the
  /// code the Float step runs) agree with exact evaluation of the kernel's theorem: the forward
  /// formula at every output index, the rule at every input index.
  @Test(arguments: formulaBlocks)
  func forwardAndBackwardAgreeWithExactEvaluation(block: String) throws {
    let layer = try formulaLayer(block, width: 4)
    let theorem = try #require(layer.certified).theorem
    guard case let .vjp(v) = theorem.lhs.node, case let .index(j) = v.at[0].terms[0].variable else {
      Issue.record("not a vjp: \(theorem)")
      return
    }
    let (n, m, batch) = (layer.inputWidth, layer.outputWidth, 3)
    for seed in 0..<4 as Range<UInt64> {
      var rng = SplitMix64(seed: seed)
      let xs = (0..<(batch * n)).map { _ in dyadic(&rng) }
      let dys = (0..<(batch * m)).map { _ in dyadic(&rng) }
      let x = Train.Tensor(shape: [batch, n], scalars: xs), dy = Train.Tensor(shape: [batch, m], scalars: dys)
      let y = try layer.forwardRule(["x": x])
      let dx = try #require(try layer.backwardRules(["x": x, "dy": dy])[layer.rule])
      #expect(y.shape == [batch, m] && dx.shape == [batch, n])
      for b in 0..<batch {
        var env = Environment(dimensions: [layer.spec.layer.dimensions[0]: n])
        env.tensors["x"] = try TensorValue(shape: [n], values: xs[(b * n)..<((b + 1) * n)].map { try Rational(exactly: $0) })
        env.tensors["dy"] = try TensorValue(shape: [m], values: dys[(b * m)..<((b + 1) * m)].map { try Rational(exactly: $0) })
        for i in 0..<m {
          var at = env
          at.indices[v.binders[0]] = i
          expectWithin(y[b, i], try enclose(v.output, at), "\(layer.block) y[\(i)], example \(b), seed \(seed)")
        }
        for i in 0..<n {
          var at = env
          at.indices[j] = i
          expectWithin(dx[b, i], try enclose(theorem.rhs, at), "\(layer.rule)[\(i)], example \(b), seed \(seed)")
        }
      }
    }
  }

  func expectWithin(_ x: Double, _ enclosure: (lower: Double, upper: Double), _ what: String) {
    let tolerance = 1e-12 * max(1, abs(x))
    #expect(x >= enclosure.lower - tolerance && x <= enclosure.upper + tolerance, "\(what): \(x) outside \(enclosure)")
  }

  /// The rule against central finite differences of `sum(dy * y)` in Double.
  @Test(arguments: formulaBlocks)
  func backwardMatchesFiniteDifferences(block: String) throws {
    let layer = try formulaLayer(block, width: 5)
    var random = RandomSource(seed: 3)
    let x = randomTensor([2, layer.inputWidth], &random), dy = randomTensor([2, layer.outputWidth], &random)
    let g = try #require(try layer.backwardRules(["x": x, "dy": dy])[layer.rule])
    func objective(_ x: Train.Tensor<Double>) throws -> Double {
      zip(try layer.forwardRule(["x": x]).scalars, dy.scalars).map(*).reduce(0, +)
    }
    let h = 1e-6
    for k in 0..<x.count {
      var plus = x, minus = x
      plus.withUnsafeMutableBufferPointer { $0[k] += h }
      minus.withUnsafeMutableBufferPointer { $0[k] -= h }
      let numeric = (try objective(plus) - objective(minus)) / (2 * h)
      #expect(abs(g.scalars[k] - numeric) <= 1e-6 * max(1, abs(numeric)), "\(layer.rule)[\(k)]: \(g.scalars[k]) vs \(numeric)")
    }
  }

  /// The Float training step (through the model) computes what the Double rules compute.
  @Test func theFloatStepRunsTheSameFormulas() throws {
    let text = "input 6\n" + formulaBlocks[0] + "\n" + formulaBlocks[2].replacingOccurrences(of: "pairs", with: "pairs") + "\nloss mse\n"
    let model = try Sequential(try ModelSpec(parsing: text), seed: 1, certificates: testStore)
    let swish = try #require(model.layers[0] as? FormulaLayer), pairs = try #require(model.layers[1] as? FormulaLayer)
    #expect(model.outputWidth == 5)
    var random = RandomSource(seed: 9)
    let x = randomTensor([3, 6], &random, in: -3...3)
    let expected = try pairs.forwardRule(["x": try swish.forwardRule(["x": x])])
    var input = Train.Tensor<Float>(shape: [3, 6], scalars: x.scalars.map(Float.init))
    let output = input.withUnsafeMutableBufferPointer { buffer in
      Array(model.forward(UnsafeMatrix(buffer.baseAddress!, rows: 3, columns: 6), training: false).buffer)
    }
    for (a, b) in zip(output, expected.scalars) { #expect(abs(Double(a) - b) <= 1e-5 * max(1, abs(b))) }
  }

  // MARK: - Certification at load

  /// A swish layer is derived, certified (the certificate replays to the rule's statement) and its
  /// hash recorded with the built-in rules'.
  @Test func swishIsDerivedAndCertified() throws {
    let layer = try formulaLayer(formulaBlocks[0])
    let certified = try #require(layer.certified)
    #expect(certified.rule == "swish.x")
    #expect(certified.derived)
    #expect(certified.ruleText == "vjp x[i] = -dy[i] * x[i] * sigmoid(x[i]) ^ 2 + dy[i] * x[i] * sigmoid(x[i]) + dy[i] * sigmoid(x[i])")
    let replayed = try Replay.replay(certified.certificate)
    #expect(replayed.sha256 == certified.sha256)
    #expect(certified.sha256.count == 64)
    // The same statement built by hand from the block hashes the same.
    let document = try Algebra.TheoremLanguage.parse(formulaBlocks[0] + "\n  " + certified.ruleText, file: "swish.thm")
    let statement = try #require(document.statements.first)
    let expected = try Theorem.serialization(hypotheses: statement.hypotheses, lhs: statement.lhs, rhs: statement.rhs)
    #expect(CertificateHash.sha256(of: expected) == certified.sha256)
    let model = try Sequential(try ModelSpec(parsing: formulaSpec(formulaBlocks[0])), seed: 1, certificates: testStore)
    #expect(model.certificateHashes == ["swish.x": certified.sha256, "mse.y": model.certificateHashes["mse.y"]!])
    #expect(model.ruleNames == ["swish.x", "mse.y"])
    #expect(model.certifiedBlocks == ["swish", "mse"])
  }

  /// A given backward rule that is not the vjp of the output is refused at its line, with the
  /// engine's counterexample and the rule it derives.
  @Test func aWrongBackwardIsRefusedWithTheCounterexample() throws {
    let block = "layer swish(n)\n  input x[n]\n  output y[i: n] = x[i] * sigmoid(x[i])\n  vjp x[i] = sigmoid(x[i]) * dy[i]"
    let error = try #require(formulaError(block))
    #expect(error.file == "f.spec" && error.line == 5 && error.column == 3)
    #expect(error.message.contains("the vjp line is not the backward rule of the output"))
    #expect(error.message.contains("counterexample: n = "))
    #expect(error.message.contains("the engine derives: vjp x[i] = -dy[i] * x[i] * sigmoid(x[i]) ^ 2"))
    // A correct rule in another form is accepted and its text kept.
    let right = try formulaLayer(formulaBlocks[1])
    #expect(right.certified?.derived == false)
    #expect(right.certified?.ruleText == "vjp x[i] = (y[i] + sigmoid(x[i]) * (1 - y[i])) * dy[i]")
  }

  /// A formula with a kink needs its side condition stated; stated, the layer counts the training
  /// inputs where it fails.
  @Test func aKinkNeedsItsAssumptionAndIsCounted() throws {
    let block = "layer rsq(n)\n  input x[n]\n  output y[i: n] = x[i] * relu(x[i])"
    let error = try #require(formulaError(block))
    #expect(error.line == 4 && error.column == 3)
    #expect(error.message.contains("the derivative exists only where forall i: n. x[i] != 0"))
    #expect(error.message.contains("assume forall i: n. x[i] != 0"))

    let model = try Sequential(try ModelSpec(parsing: formulaSpec(block + "\n  assume forall k: n. x[k] != 0")), seed: 1, certificates: testStore)
    let layer = try #require(model.layers.first as? FormulaLayer)
    var input = Train.Tensor<Float>(shape: [2, 4], scalars: [0, 1, -2, 0, 3, 0, 0.5, 1])
    input.withUnsafeMutableBufferPointer { buffer in
      let x = UnsafeMatrix(buffer.baseAddress!, rows: 2, columns: 4)
      model.reserve(batchCapacity: 2)
      _ = model.forward(x, training: false)
      #expect(layer.kinks == 0)  // evaluation passes do not count
      let y = model.forward(x, training: true)
      #expect(Array(y.buffer) == [0, 1, 0, 0, 9, 0, 0.25, 1])
    }
    #expect(model.kinks == ["rsq1": 3])
    model.resetKinks()
    #expect(model.kinks == ["rsq1": 0])
  }

  /// A formula that reads its input at a constant index derives (issue 17: the read becomes the
  /// constraint `[i == 0]` on the rule's index); one whose derived rule needs an unstated condition
  /// is refused at its output line, naming the condition.
  @Test func underivableFormulasAreRefused() throws {
    #expect(formulaError("layer first(n)\n  input x[n]\n  output y[i: n] = x[0] * x[i] ^ 3") == nil)
    let error = try #require(formulaError("layer kink(n)\n  input x[n]\n  output y[i: n] = relu(x[i] - x[0])"))
    #expect(error.line == 4 && error.column == 3, "\(error)")
    #expect(error.message.contains("x[i] != x[0]") || error.message.contains("x[i] - x[0] != 0"), "\(error.message)")
  }

  /// Functions outside the theorem language are refused at their line and column.
  @Test func unknownFunctionsAreRefusedWhereTheyAre() {
    #expect(throws: SpecError(file: "f.spec", line: 4, column: 20,
                              message: "unknown function 'softsign'; the functions are relu, step, exp, log, tanh, sigmoid, erf, gelu, sqrt")) {
      try ModelSpec(parsing: formulaSpec("layer s(n)\n  input x[n]\n  output y[i: n] = softsign(x[i])"), file: "f.spec")
    }
    #expect(throws: SpecError(file: "f.spec", line: 4, column: 27,
                              message: "unknown function 'cosh'; the functions are relu, step, exp, log, tanh, sigmoid, erf, gelu, sqrt")) {
      try ModelSpec(parsing: formulaSpec("layer s(n)\n  input x[n]\n  output y[i: n] = x[i] * cosh (x[i])"), file: "f.spec")
    }
  }

  // MARK: - Training and checkpoints

  /// A model with a swish layer learns a separable problem; its rule's hash is recorded.
  @Test func aSwishModelTrains() throws {
    let text = "input 20\ndense 16\n\(formulaBlocks[0])\ndense 4\nloss softmax_cross_entropy\n"
    let model = try Sequential(try ModelSpec(parsing: text), seed: 1, certificates: testStore)
    let data = try separableDataset(count: 600, features: 20, classes: 4, seed: 100)
    let test = try separableDataset(count: 200, features: 20, classes: 4, seed: 100)
    let configuration = TrainingConfiguration(epochs: 3, batchSize: 32, learningRate: 0.05, optimizer: .sgd(momentum: 0.9), seed: 1)
    let report = try Trainer(configuration).train(model, on: data, test: test)
    #expect(report.epochs.last!.testAccuracy! > 0.97)
    #expect(report.epochs.last!.loss < report.epochs.first!.loss)
    #expect(report.kinks.isEmpty)  // swish has no side condition
    #expect(model.certificateHashes["swish.x"]?.count == 64)
  }

  /// A checkpoint of a model with a formula layer (used twice) round-trips: the spec text, the
  /// recorded hash, the rebuilt model's outputs; a stale hash for the formula's rule is refused.
  @Test func checkpointsRoundTrip() throws {
    let text = "input 6\ndense 5\n\(formulaBlocks[0])   # a comment\ndense 5\nswish\ndense 3\nloss softmax_cross_entropy\n"
    let spec = try ModelSpec(parsing: text)
    #expect(spec.text == "input 6\ndense 5\n\(formulaBlocks[0])\ndense 5\nswish\ndense 3\nloss softmax_cross_entropy\n")
    #expect(try ModelSpec(parsing: spec.text) == spec)
    let model = try Sequential(spec, seed: 4, certificates: testStore)
    #expect(model.layers.map(\.name) == ["dense1", "swish1", "dense2", "swish2", "dense3"])
    let checkpoint = Checkpoint(model: model)
    #expect(checkpoint.certificates["swish.x"] == model.certificateHashes["swish.x"])
    let loaded = try Checkpoint(decoding: checkpoint.encoded())
    #expect(loaded.spec == spec && loaded.certificates == checkpoint.certificates)
    let restored = try loaded.makeModel(certificates: testStore)
    #expect(restored.certificateHashes == model.certificateHashes)
    var input = Train.Tensor<Float>(shape: [2, 6], scalars: (0..<12).map { Float($0) / 7 - 0.5 })
    let (a, b) = input.withUnsafeMutableBufferPointer { buffer in
      let x = UnsafeMatrix(buffer.baseAddress!, rows: 2, columns: 6)
      return (Array(model.forward(x, training: false).buffer), Array(restored.forward(x, training: false).buffer))
    }
    #expect(a == b)
    var stale = loaded
    stale.certificates["swish.x"] = String(repeating: "0", count: 64)
    #expect(throws: TrainingError.self) { try stale.makeModel(certificates: testStore) }
  }
}
