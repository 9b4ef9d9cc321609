import Foundation
import Testing
@testable import Train

/// Graph-shaped models: named values, `from`, residual `add`, elementwise `mul` and fan-out, from
/// the spec text to the trainer's gradient and the model certificate.
@Suite("Graph-shaped models")
struct GraphSpecTests {
  /// A residual MLP with a gate: `h` is read three times (a fan-out), `g` twice.
  static let residual = """
    input 4
    dense 4
    h = tanh
    dense 4
    tanh
    r = add h
    g = from h dense 4
    sigmoid
    mul g
    add r
    dense 3
    loss softmax_cross_entropy
    """

  @Test func aGraphSpecParsesToItsWiring() throws {
    let spec = try ModelSpec(parsing: Self.residual)
    #expect(spec.layers == [.dense(units: 4), .tanh, .dense(units: 4), .tanh, .add, .dense(units: 4), .sigmoid, .mul, .add, .dense(units: 3)])
    let graph = try #require(spec.graph)
    #expect(graph.inputs == [[0], [1], [2], [3], [4, 2], [2], [6], [7, 6], [8, 5], [9]])
    #expect(graph.names == [2: "h", 5: "r", 6: "g"])
    #expect(spec.shapes == Array(repeating: [4], count: 9) + [[3]])
    #expect(spec.parameterCount == 3 * (4 * 4 + 4) + 4 * 3 + 3)
  }

  @Test func theCanonicalTextRoundTrips() throws {
    let spec = try ModelSpec(parsing: Self.residual)
    #expect(spec.text == """
      input 4
      dense 4
      h = tanh
      dense 4
      tanh
      r = add h
      g = from h dense 4
      sigmoid
      mul g
      add r
      dense 3
      loss softmax_cross_entropy

      """)
    #expect(try ModelSpec(parsing: spec.text) == spec)
    // A graph built in code names the values it reads.
    let built = ModelSpec(inputShape: [2], layers: [.relu, .add, .dense(units: 2)], loss: .mse, graph: ValueGraph(inputs: [[0], [1, 0], [2]]))
    #expect(built.text == "input 2\nrelu\nadd input\ndense 2\nloss mse\n")
    #expect(try ModelSpec(parsing: built.text).graph?.inputs == built.graph?.inputs)
  }

  @Test func aPlainSequenceHasNoGraph() throws {
    let spec = try ModelSpec(parsing: "input 3\ndense 2\nrelu\ndense 2\nloss mse\n")
    #expect(spec.graph == nil && spec.isSequence)
    #expect(spec == ModelSpec(inputWidth: 3, layers: [.dense(units: 2), .relu, .dense(units: 2)], loss: .mse))
    #expect(try ModelSpec(parsing: "input 3\ndense 2\nx = relu\nfrom x dense 2\nloss mse\n").graph?.inputs == [[0], [1], [2]])
  }

  @Test func aResidualCNNReadsImages() throws {
    let spec = try ModelSpec(parsing: "input 1x4x4\nconv2d 2 3 pad 1\nx = relu\nconv2d 2 3 pad 1\nadd x\nflatten\ndense 2\nloss mse\n")
    #expect(spec.shapes == [[2, 4, 4], [2, 4, 4], [2, 4, 4], [2, 4, 4], [32], [2]])
  }

  /// Each malformed graph spec fails at the named line and column with the expected message.
  @Test(arguments: [
    ("input 4\ndense 4\nadd h\nloss mse", 3, 5, "undefined value 'h'; name a value with 'NAME = <statement>'"),
    ("input 4\nh = dense 4\nadd k\nloss mse", 3, 5, "undefined value 'k'; defined: input, h"),
    ("input 4\nh = dense 4\nadd g\ng = relu\nloss mse", 3, 5,
     "value 'g' is defined at line 4, below this line: a layer reads only values defined above it, so that the graph has no cycle"),
    ("input 4\nh = dense 3\ndense 4\nadd h\nloss mse", 4, 5, "shape mismatch: 'add' combines values of one shape, but the value it reads is 4 and 'h' is 3"),
    ("input 1x4x4\nconv2d 2 3\nmul input\nloss mse", 3, 5, "shape mismatch: 'mul' combines values of one shape, but the value it reads is 2x2x2 and the input is 1x4x4"),
    ("input 4\nh = dense 4\nh = relu\nloss mse", 3, 1, "value 'h' is already defined at line 2"),
    ("input 4\nrelu = dense 4\nloss mse", 2, 1, "'relu' is a statement keyword or a block name; choose another name for the value"),
    ("input 4\nfrom = dense 4\nloss mse", 2, 1, "'from' is a statement keyword or a block name; choose another name for the value"),
    ("input 4\n2h = dense 4\nloss mse", 2, 1, "'2h' is not a value name (letters, digits and '_', not starting with a digit)"),
    ("input 4\nh = dense 4\nfrom input dense 4\nloss mse", 2, 5,
     "the output of this layer ('h') is read by no later layer nor by the loss; read it with 'add', 'mul' or 'from', or remove the layer"),
    ("input 4\nh =\nloss mse", 2, 4, "expected a layer statement after 'h =' at end of line"),
    ("input 4\nh = loss mse", 2, 5, "'loss' takes no 'NAME =' or 'from NAME'"),
    ("input 4\nadd\nloss mse", 2, 4, "expected a value name at end of line"),
    ("add x\ninput 4\nloss mse", 1, 1, "expected 'input N' before the first layer"),
  ])
  func errorsNameLineAndColumn(text: String, line: Int, column: Int, message: String) {
    #expect(throws: SpecError(file: "bad.spec", line: line, column: column, message: message)) {
      try ModelSpec(parsing: text, file: "bad.spec")
    }
  }

  @Test func aFanOutSumsTheContributionsOfItsReaders() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.residual), seed: 1)
    let s = model.schedule
    #expect(s.nodes[4].inputs == ["a4", "a2"] && s.nodes[4].block == "add")
    #expect(s.steps.map(\.node) == Array((0..<10).reversed()))
    // h (a2) is read by dense3, add1 and dense2 (in step order), and g (a6) by mul1 and sigmoid1.
    #expect(s.sums["a2"] == ["da2_1", "da2_2", "da2_3"])
    #expect(s.sums["a6"] == ["da6_1", "da6_2"])
    #expect(s.sums["a5"] == ["da5"])
    #expect(s.steps.first { $0.node == 8 }?.writes == ["da8", "da5"])
    #expect(s.steps.first { $0.node == 4 }?.writes == ["da4", "da2_2"])
    #expect(s.steps.last?.writes == [nil])
  }

  @Test func aChainWrittenAsAGraphHasTheChainsSchedule() throws {
    let spec = try ModelSpec(parsing: "input 4\nrelu\ndense 5\ntanh\ndense 3\nloss mse\n")
    let chain = Sequential(uncheckedSpec: spec, seed: 1).schedule
    let layers = chain.nodes.map { BackwardSchedule.ChainLayer(name: $0.name, block: $0.block, gradients: $0.parameters) }
    #expect(BackwardSchedule.graph(layers, reads: [[0], [1], [2], [3]], loss: "mse") == chain)
  }

  /// The trainer's gradient of a graph model (fan-out sums, `add` and `mul` rules) against
  /// finite differences of its loss, as for a chain (ModelTests).
  @Test(arguments: [residual, "input 1x4x4\nconv2d 2 3 pad 1\nx = tanh\nconv2d 2 3 pad 1\ntanh\nadd x\nmul x\nflatten\ndense 2\nloss softmax_cross_entropy\n"])
  func theGradientMatchesFiniteDifferences(text: String) throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: text), seed: 3)
    var random = RandomSource(seed: 4)
    var x = randomTensor([5, model.inputWidth], &random).converted(to: Float.self)
    let labels: [Int32] = [0, 1, 2, 0, 1].map { $0 % Int32(model.outputWidth) }
    func loss() -> Double {
      labels.withUnsafeBufferPointer { labels in
        var predictions = [Int32](repeating: 0, count: 5)
        return predictions.withUnsafeMutableBufferPointer { predictions in
          x.withMatrix { model.evaluate($0, labels: labels, predictions: predictions) }
        }
      }
    }
    let trained = labels.withUnsafeBufferPointer { labels in x.withMatrix { model.computeGradients($0, labels: labels) } }
    #expect(abs(trained - loss()) < 1e-6)
    let h: Float = 1e-2
    for parameter in model.parameters {
      let analytic = parameter.gradient.scalars
      for k in 0..<parameter.value.count {
        let saved = parameter.value.scalars[k]
        parameter.value.withUnsafeMutableBufferPointer { $0[k] = saved + h }
        let plus = loss()
        parameter.value.withUnsafeMutableBufferPointer { $0[k] = saved - h }
        let minus = loss()
        parameter.value.withUnsafeMutableBufferPointer { $0[k] = saved }
        let numeric = (plus - minus) / Double(2 * h)
        #expect(abs(Double(analytic[k]) - numeric) < 2e-3, "\(parameter.name)[\(k)]: \(analytic[k]) vs \(numeric)")
      }
    }
  }

  /// The step timer (TrainBenchmarks --profile) hears every layer's forward, every backward step
  /// and each fan-out sum of a graph, and the gradients are those of an untimed step.
  @Test func theStepTimerHearsEveryPartOfAGraphStep() throws {
    let spec = try ModelSpec(parsing: Self.residual)
    let (timed, plain) = (Sequential(uncheckedSpec: spec, seed: 5), Sequential(uncheckedSpec: spec, seed: 5))
    var random = RandomSource(seed: 6)
    var x = randomTensor([3, timed.inputWidth], &random).converted(to: Float.self)
    let labels: [Int32] = [0, 1, 2].map { $0 % Int32(timed.outputWidth) }
    var heard: [Sequential.StepPart: [Int]] = [:]
    timed.stepTimer = { part, node, _ in heard[part, default: []].append(node) }
    let losses = [timed, plain].map { model in
      labels.withUnsafeBufferPointer { labels in x.withMatrix { model.computeGradients($0, labels: labels) } }
    }
    #expect(losses[0] == losses[1])
    #expect(heard[.forward] == Array(timed.kernels.indices))
    #expect(heard[.backward] == timed.schedule.steps.map(\.node))
    #expect((heard[.fanOutSum] ?? []).count == timed.schedule.sums.values.filter { $0.count > 1 }.count)
    #expect(!(heard[.fanOutSum] ?? []).isEmpty)
    for (a, b) in zip(timed.parameters, plain.parameters) { #expect(a.gradient.scalars == b.gradient.scalars) }
  }

  /// A model whose `add` reads one value twice: the value's cotangent is the sum of both.
  @Test func aValueReadTwiceByOneLayerGetsBothContributions() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 2\nh = dense 2\nadd h\nloss mse\n"), seed: 2)
    let dense = try #require(model.layers[0] as? Dense)
    var x = Tensor<Float>(shape: [1, 2], scalars: [1, -2])
    // mse of y = 2 (W x + b) against target 0 (label 0 one-hot): dL/dW = 2 * (2/n) * (y - t) x.
    let labels: [Int32] = [0]
    _ = labels.withUnsafeBufferPointer { labels in x.withMatrix { model.computeGradients($0, labels: labels) } }
    let w = dense.weight.value.scalars, b = dense.bias.value.scalars
    let y: [Float] = (0..<2).map { (o: Int) -> Float in
      let z: Float = w[2 * o] - 2 * w[2 * o + 1] + b[o]
      return 2 * z
    }
    let t: [Float] = [1, 0]
    for o in 0..<2 {
      let dy: Float = 2 * (y[o] - t[o])  // 2 (add) * (2 / n) (y - t), n = 2
      #expect(abs(dense.bias.gradient.scalars[o] - dy) < 1e-5)
      #expect(abs(dense.weight.gradient.scalars[2 * o] - dy * 1) < 1e-5)
      #expect(abs(dense.weight.gradient.scalars[2 * o + 1] - dy * -2) < 1e-5)
    }
  }

  /// A residual MLP: `h` read by the next layer and by `add h`.
  static let shortcut = "input 4\ndense 4\nh = tanh\ndense 4\nadd h\ndense 3\nloss mse\n"

  /// The model certificate of a graph: one theorem per parameter through the fan-out sum, built
  /// with the model like a chain's. A gate (`mul`) makes the proof minutes long: on request.
  @Test func aResidualMLPIsCertifiedWhenBuilt() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.shortcut), seed: 1, certificates: testStore)
    #expect(model.ruleNames.contains("add.x") && model.ruleNames.contains("add.z"))
    let certificate = try #require(model.modelCertificate, "\(model.modelCertificateGap ?? "")")
    #expect(certificate.parameters.map(\.name) == ["dense3.W", "dense3.b", "dense2.W", "dense2.b", "dense1.W", "dense1.b"])
    // The skip's contribution is the cotangent of the add, written where it is summed.
    #expect(certificate.statement.contains("def da2[j1: N2] = da4[j1] + da2_2[j1]"))
    #expect(certificate.statement.contains("= a3[i] + a2[i]"))
    #expect(try certificate.verify(against: model.schedule).parameters == 6)
    // It travels in the checkpoint, whose spec text is the graph's.
    let stored = try Checkpoint(decoding: Checkpoint(model: model).encoded())
    #expect(stored.spec == model.spec)
    #expect(try stored.checkModelCertificate().parameters == 6)
    let gated = try Sequential(try ModelSpec(parsing: Self.residual), seed: 1, certificates: testStore)
    #expect(gated.modelCertificate == nil)
    #expect(gated.modelCertificateGap?.hasPrefix("no model certificate built with the model: node mul1 is an elementwise product") == true)
  }

  /// A mis-wired graph schedule is refused naming the place: a gate's contributions swapped, a
  /// fan-out term left out of its sum.
  @Test func aMisWiredGraphScheduleIsRefused() throws {
    let gated = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.residual), seed: 1).schedule
    let mul = try #require(gated.steps.firstIndex { $0.node == 7 })
    var swapped = gated
    swapped.steps[mul].writes.reverse()
    expectMiswired(swapped, at: "schedule step \(mul) (node mul1)", because: "no sum into")
    // The shortcut's contribution to h (add1's) neither written nor summed: the gradient of
    // dense1.W is then false.
    let schedule = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.shortcut), seed: 1).schedule
    let add = try #require(schedule.steps.firstIndex { $0.node == 3 })
    var dropped = schedule
    #expect(dropped.steps[add].writes == ["da3", "da2_1"])
    dropped.steps[add].writes[1] = nil
    dropped.sums["a2"]!.removeAll { $0 == "da2_1" }
    expectMiswired(dropped, at: "the gradient of dense1.W", because: "differ")
  }

  /// Models/resnet.spec trains: built over its certificates (without a model certificate: it is
  /// proved on request, as `certify train` does before training), two epochs on a small subset of Fashion-MNIST lower
  /// the loss.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory), "Fashion-MNIST is not installed (dataset-fashion-mnist)"))
  func theResNetSpecTrainsOnASubset() throws {
    let spec = try ModelSpec(contentsOf: packageRoot.appendingPathComponent("Models/resnet.spec").path)
    #expect(!spec.isSequence)
    let model = try Sequential(spec, seed: 1, certificates: .builtIn)
    #expect(model.modelCertificate == nil && model.modelCertificateGap != nil)
    // Proved before training by `certify train`, not with every model build (about 8 s in release).
    #expect(model.modelCertificateGap?.contains("is a convolution, pooling, batch norm or transformer layer") == true)
    #expect(model.ruleNames.contains("add.x") && model.ruleNames.contains("add.z"))
    let data = try FashionMNIST.load(.train).prefix(192)
    let configuration = TrainingConfiguration(epochs: 2, batchSize: 32, learningRate: 0.05, optimizer: .sgd(momentum: 0.9), seed: 1)
    let report = try Trainer(configuration).train(model, on: data)
    #expect(report.epochs.count == 2)
    #expect(report.epochs.last!.loss < report.epochs.first!.loss)
    #expect(report.epochs.allSatisfy { $0.loss.isFinite })
  }
}
