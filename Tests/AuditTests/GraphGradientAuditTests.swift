import Audit
import Foundation
import Exact
import Intervals
import Testing
import Train

/// The gradient audit of graph-shaped models: residual `add`, a `mul` gate, `from` and fan-out
/// (a value's gradient the sum of its readers'), enclosed through the certified rules of `add` and
/// `mul` and held against the exact gradient of an independent evaluation over the graph
/// (`exactCNNLoss`); the trainer's Float32 gradient within the a priori bound.
@Suite("Graph gradient audit")
struct GraphGradientAuditTests {
  static let store = GradientAuditTests.store

  /// A residual CNN: an identity block (`add s`) and a strided block whose shortcut is a strided
  /// 1x1 convolution of `b`, global average pooling, a dense head.
  static let residualCNN = """
    input 1x6x6
    conv2d 1->2 3 pad 1
    s = relu
    conv2d 2->2 3 pad 1
    add s
    b = relu
    conv2d 2->2 3 stride 2 pad 1
    r = relu
    from b conv2d 2->2 1 stride 2
    add r
    global_avgpool
    dense 3
    loss mse
    """

  /// A gated residual MLP: `f` gates itself through a relu (`mul f`), and `h` is added back.
  static let gatedMLP = """
    input 4
    dense 4
    h = relu
    f = dense 4
    relu
    mul f
    add h
    dense 3
    loss mse
    """

  static let specs = [residualCNN, gatedMLP]

  @Test(arguments: specs)
  func enclosureContainsTheExactGradient(spec: String) throws {
    let model = try CNNGradientAuditTests.model(spec)
    let batch = try CNNGradientAuditTests.batch(model, count: 2)
    let rules = try Dictionary(uniqueKeysWithValues: model.ruleNames.map { ($0, try ReplayedRule.load($0, from: Self.store)) })
    #expect(rules["add.x"] != nil && rules["add.z"] != nil)
    let enclosure = try GradientEnclosure<IntervalVector>(model: model, rules: rules, batch: batch, precision: 128, threads: 2)
    try enclosure.forward()
    try enclosure.backward()
    let loss = try enclosure.meanLoss()
    let value = try exactCNNLoss(model, batch, seed: nil).v
    #expect(try Rational(exactly: loss.lower) <= value && value <= (try Rational(exactly: loss.upper)))
    for (p, parameter) in model.parameters.enumerated() {
      var nonzero = 0
      for k in 0..<parameter.value.count {
        let exact = try exactCNNLoss(model, batch, seed: (p, k)).t
        if !exact.isZero { nonzero += 1 }
        #expect(enclosure.gradients[p].contains(k, exact), "\(parameter.name)[\(k)] = \(exact)")
      }
      #expect(nonzero > 0, "\(parameter.name): an all-zero gradient tests nothing")
    }
  }

  /// The trainer's Float32 gradient (its fan-out sums included) is within the a priori bound of
  /// every tensor, and the finite differences agree.
  @Test(arguments: specs)
  func floatGradientIsWithinTheBound(spec: String) throws {
    let model = try CNNGradientAuditTests.model(spec)
    let batch = try CNNGradientAuditTests.batch(model, count: 4)
    let report = try GradientAudit(precision: 128, directions: 1).run(model, on: batch, certificates: Self.store)
    for t in report.tensors {
      #expect(t.bounded && t.withinBound && t.maxBound.isFinite, "\(t.name): \(t)")
      #expect(t.maxAbsError <= t.maxBound)
      #expect(t.maxAbsError < 1e-4, "\(t.name): an error far above rounding")
    }
    #expect(report.checks.count == 1 && report.checks.allSatisfy(\.consistent), "\(report.checks)")
    #expect(report.passed && report.verdict.hasPrefix("PASSED"), "\(report.table())")
  }

  /// `--enclosures` for a graph: every tensor's `_lo`/`_hi` in the trainer's shape, containing the
  /// exact gradient entry by entry.
  @Test func enclosureArraysOfAGraphContainTheExactGradient() throws {
    let model = try CNNGradientAuditTests.model(Self.residualCNN)
    let batch = try CNNGradientAuditTests.batch(model, count: 2)
    let report = try GradientAudit(precision: 96, directions: 0).run(model, on: batch, certificates: Self.store)
    let archive = report.arrays.archive()
    #expect(archive["conv2d4.w_lo"]?.shape == [2, 2, 1, 1])
    #expect(archive["dense1.W_hi"]?.shape == [3, 2])
    #expect(archive["inputs"]?.shape == [2, 36])
    for (p, tensor) in report.arrays.tensors.enumerated() {
      for k in tensor.lower.indices {
        let exact = Double(try exactCNNLoss(model, batch, seed: (p, k)).t)
        #expect(tensor.lower[k] <= exact && exact <= tensor.upper[k], "\(tensor.name)[\(k)]")
      }
    }
  }

  /// A value read three times has no Float32 model of its cotangents' sum: the audit still
  /// encloses the gradient and says NO A PRIORI BOUND, naming the value.
  @Test func aValueReadThreeTimesHasNoAPrioriBound() throws {
    let model = try CNNGradientAuditTests.model("input 4\nh = dense 4\nrelu\nadd h\nadd h\ndense 3\nloss mse\n")
    let batch = try CNNGradientAuditTests.batch(model, count: 2)
    let report = try GradientAudit(precision: 64, directions: 0).run(model, on: batch, certificates: Self.store)
    #expect(report.unbounded == "value h is read 3 times: the Float32 sum of more than two cotangents has no error model")
    #expect(report.verdict.hasPrefix("NO A PRIORI BOUND"))
  }
}
