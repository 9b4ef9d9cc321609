import Testing
@testable import Train

/// A batch as a tensor with its `UnsafeMatrix` view.
private func withBatch<R>(_ x: Tensor<Float>, _ body: (UnsafeMatrix<Float>) -> R) -> R {
  var x = x
  return x.withMatrix(body)
}

@Suite("Sequential models")
struct ModelTests {
  /// The Float layer the trainer runs computes what its Double rules compute.
  @Test func denseLayerRunsItsRules() throws {
    var random = RandomSource(seed: 11)
    let dense = Dense(name: "dense1", inputWidth: 5, outputWidth: 3)
    dense.initialize(.glorot, using: &random)
    dense.bias.value = Tensor(shape: [3], scalars: [0.1, -0.2, 0.3])
    dense.reserve(batchCapacity: 4)
    let x = randomTensor([4, 5], &random).converted(to: Float.self)
    let dy = randomTensor([4, 3], &random).converted(to: Float.self)
    let (y, dx) = withBatch(x) { xm in
      let y = dense.forward(xm, training: true)
      let yTensor = Tensor(shape: [4, 3], scalars: Array(y.buffer))
      let dx = withBatch(dy) { dense.backward($0, needsInputGradient: true)! }
      return (yTensor, Tensor(shape: [4, 5], scalars: Array(dx.buffer)))
    }
    let operands = ["x": x, "W": dense.weight.value, "b": dense.bias.value, "dy": dy].mapValues { $0.converted(to: Double.self) }
    let rules = try Dense.backward(operands)
    #expect(maxDifference(y.converted(to: Double.self), try Dense.forward(operands)) < 1e-5)
    #expect(maxDifference(dx.converted(to: Double.self), rules["dense.x"]!) < 1e-5)
    #expect(maxDifference(dense.weight.gradient.converted(to: Double.self), rules["dense.W"]!) < 1e-5)
    #expect(maxDifference(dense.bias.gradient.converted(to: Double.self), rules["dense.b"]!) < 1e-5)
  }

  @Test func accumulatingParametersAddTheirGradients() throws {
    var random = RandomSource(seed: 12)
    let dense = Dense(name: "dense1", inputWidth: 3, outputWidth: 2)
    dense.initialize(.glorot, using: &random)
    dense.reserve(batchCapacity: 2)
    var x = randomTensor([2, 3], &random).converted(to: Float.self)
    var dy = randomTensor([2, 2], &random).converted(to: Float.self)
    x.withMatrix { x in dy.withMatrix { dy in
      _ = dense.forward(x, training: true)
      _ = dense.backward(dy, needsInputGradient: false)
    } }
    let (w1, b1) = (dense.weight.gradient, dense.bias.gradient)
    dense.weight.accumulatesGradient = true
    dense.bias.accumulatesGradient = true
    x.withMatrix { x in dy.withMatrix { dy in
      _ = dense.forward(x, training: true)
      _ = dense.backward(dy, needsInputGradient: false)
    } }
    #expect(dense.weight.gradient.scalars == w1.scalars.map { 2 * $0 })
    #expect(dense.bias.gradient.scalars == b1.scalars.map { 2 * $0 })
  }

  /// The whole model's gradient (chained layer rules) against finite differences of its loss.
  @Test(arguments: ["tanh", "sigmoid", "relu"])
  func modelGradientMatchesFiniteDifferences(activation: String) throws {
    let spec = try ModelSpec(parsing: "input 3\ndense 4\n\(activation)\ndense 2\nloss softmax_cross_entropy")
    let model = Sequential(uncheckedSpec: spec, seed: 3)
    var random = RandomSource(seed: 4)
    var x = randomTensor([5, 3], &random).converted(to: Float.self)
    let labels: [Int32] = [0, 1, 1, 0, 1]
    func loss() -> Double {
      labels.withUnsafeBufferPointer { labels in
        var predictions = [Int32](repeating: 0, count: 5)
        return predictions.withUnsafeMutableBufferPointer { predictions in
          x.withMatrix { model.evaluate($0, labels: labels, predictions: predictions) }
        }
      }
    }
    _ = labels.withUnsafeBufferPointer { labels in x.withMatrix { model.computeGradients($0, labels: labels) } }
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

  @Test func reluKinksAreCounted() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 2\ndense 3\nrelu\ndense 2\nloss mse"), seed: 1)
    let dense = model.layers[0] as! Dense
    dense.weight.value = Tensor(shape: [3, 2], scalars: [1, 0, 0, 0, -1, 0])  // unit 2 is always 0
    var x = Tensor<Float>(shape: [4, 2], scalars: [1, 5, 0, 5, -2, 5, 3, 5])  // unit 1 is 0 at x = 0
    let labels: [Int32] = [0, 1, 0, 1]
    _ = labels.withUnsafeBufferPointer { labels in x.withMatrix { model.computeGradients($0, labels: labels) } }
    #expect(model.kinks == ["relu1": 4 + 1 + 1])  // unit 2 always; units 1 and 3 at x = 0
    var predictions = [Int32](repeating: 0, count: 4)
    _ = labels.withUnsafeBufferPointer { labels in
      predictions.withUnsafeMutableBufferPointer { p in x.withMatrix { model.evaluate($0, labels: labels, predictions: p) } }
    }
    #expect(model.kinks == ["relu1": 6])  // evaluation does not count
    model.resetKinks()
    #expect(model.kinks == ["relu1": 0])
  }

  @Test func initializationSchemes() {
    let model = Sequential(uncheckedSpec: ModelSpec(inputWidth: 400, layers: [.dense(units: 300), .relu, .dense(units: 100)], loss: .mse), seed: 9)
    let he = (model.layers[0] as! Dense).weight.value.scalars
    let glorot = (model.layers[2] as! Dense).weight.value.scalars
    let heDeviation = (he.map { Double($0 * $0) }.reduce(0, +) / Double(he.count)).squareRoot()
    #expect(abs(heDeviation - (2.0 / 400).squareRoot()) < 0.002)
    let limit = Float((6.0 / 400).squareRoot())
    #expect(glorot.allSatisfy { abs($0) <= limit } && glorot.map(abs).max()! > 0.95 * limit)
    #expect((model.layers[0] as! Dense).bias.value.scalars.allSatisfy { $0 == 0 })
  }

  @Test func dropoutKeepsAboutPAndScales() throws {
    let dropout = Dropout(name: "dropout1", width: 1000, keepProbability: 0.8, seed: 5)
    dropout.reserve(batchCapacity: 2)
    var x = Tensor<Float>(shape: [2, 1000], repeating: 1)
    let y = x.withMatrix { Array(dropout.forward($0, training: true).buffer) }
    let kept = y.filter { $0 != 0 }
    #expect(kept.allSatisfy { $0 == 1 / Float(0.8) })
    #expect(abs(Double(kept.count) / 2000 - 0.8) < 0.03)
    let identity = x.withMatrix { Array(dropout.forward($0, training: false).buffer) }
    #expect(identity.allSatisfy { $0 == 1 })
  }
}
