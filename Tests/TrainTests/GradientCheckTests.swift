import Testing
@testable import Train

/// The scalar whose gradient the rules give: `sum(dy * y)` for a layer, the loss for a loss.
private func objective(_ rules: any CertifiedBlock.Type, _ operands: [String: Tensor<Double>]) throws -> Double {
  let y = try rules.forward(operands)
  guard let dy = operands["dy"] else { return y.scalars[0] }
  return zip(y.scalars, dy.scalars).map(*).reduce(0, +)
}

/// Checks every rule of `rules` against central finite differences of `objective`.
private func expectRulesMatchFiniteDifferences(
  _ rules: any CertifiedBlock.Type, _ operands: [String: Tensor<Double>], step h: Double = 1e-5,
  tolerance: Double = 1e-7
) throws {
  let gradients = try rules.backward(operands)
  #expect(Set(gradients.keys) == Set(rules.ruleNames))
  for rule in rules.ruleNames {
    let name = String(rule.split(separator: ".").last!)
    let operand = try #require(operands[name])
    let analytic = try #require(gradients[rule])
    #expect(analytic.shape == operand.shape, "\(rule): gradient shape \(analytic.shape), operand \(operand.shape)")
    for k in 0..<operand.count {
      var plus = operands, minus = operands
      plus[name]!.withUnsafeMutableBufferPointer { $0[k] += h }
      minus[name]!.withUnsafeMutableBufferPointer { $0[k] -= h }
      let numeric = (try objective(rules, plus) - objective(rules, minus)) / (2 * h)
      let error = abs(analytic.scalars[k] - numeric)
      #expect(error <= tolerance * max(1, abs(numeric)), "\(rule)[\(k)]: rule \(analytic.scalars[k]), finite difference \(numeric)")
    }
  }
}

@Suite("Backward rules against central finite differences (Double)")
struct GradientCheckTests {
  @Test func dense() throws {
    var random = RandomSource(seed: 1)
    for batch in [1, 3] {
      try expectRulesMatchFiniteDifferences(Dense.self, [
        "x": randomTensor([batch, 4], &random), "W": randomTensor([3, 4], &random),
        "b": randomTensor([3], &random), "dy": randomTensor([batch, 3], &random),
      ])
    }
  }

  @Test func denseSingleExampleMatchesTheCertifiedFormulas() throws {
    // One example without a batch dimension: vjp W[o, i] = dy[o] * x[i], vjp b[o] = dy[o],
    // vjp x[i] = sum(o) W[o, i] * dy[o].
    let g = try Dense.backward([
      "x": Tensor<Double>(shape: [3], scalars: [1, 2, 3]),
      "W": Tensor(shape: [2, 3], scalars: [1, 0, -1, 2, 1, 0]),
      "b": Tensor(shape: [2], scalars: [5, 6]),
      "dy": Tensor(shape: [2], scalars: [1, -1]),
    ])
    #expect(g["dense.W"]!.scalars == [1, 2, 3, -1, -2, -3])
    #expect(g["dense.b"]!.scalars == [1, -1])
    #expect(g["dense.x"]! == Tensor(shape: [3], scalars: [-1, -1, -1]))
    let y = try Dense.forward(["x": Tensor<Double>(shape: [3], scalars: [1, 2, 3]),
      "W": Tensor(shape: [2, 3], scalars: [1, 0, -1, 2, 1, 0]), "b": Tensor(shape: [2], scalars: [5, 6])])
    #expect(y == Tensor(shape: [2], scalars: [3, 10]))
  }

  @Test func reluAwayFromZero() throws {
    var random = RandomSource(seed: 2)
    var x = randomTensor([3, 5], &random)
    x.withUnsafeMutableBufferPointer { xs in  // keep every input at least 0.1 from the kink
      for k in xs.indices where abs(xs[k]) < 0.1 { xs[k] = xs[k] < 0 ? -0.5 : 0.5 }
    }
    try expectRulesMatchFiniteDifferences(ReLU.self, ["x": x, "dy": randomTensor([3, 5], &random)])
  }

  @Test func reluUsesStepOfTheInputWithZeroAtZero() throws {
    let x = Tensor<Double>(shape: [4], scalars: [-1, 0, -0.0, 2])
    let dy = Tensor<Double>(shape: [4], scalars: [10, 20, 30, 40])
    #expect(try ReLU.backward(["x": x, "dy": dy])["relu.x"]!.scalars == [0, 0, 0, 40])
    #expect(try ReLU.forward(["x": x]).scalars == [0, 0, 0, 2])
  }

  @Test func sigmoid() throws {
    var random = RandomSource(seed: 3)
    try expectRulesMatchFiniteDifferences(Sigmoid.self, [
      "x": randomTensor([2, 6], &random, in: -4...4), "dy": randomTensor([2, 6], &random),
    ])
  }

  @Test func sigmoidIsStableForLargeInputs() throws {
    let y = try Sigmoid.forward(["x": Tensor<Float>(shape: [3], scalars: [-1000, 0, 1000])])
    #expect(y.scalars == [0, 0.5, 1])
  }

  @Test func tanh() throws {
    var random = RandomSource(seed: 4)
    try expectRulesMatchFiniteDifferences(Tanh.self, [
      "x": randomTensor([2, 6], &random, in: -3...3), "dy": randomTensor([2, 6], &random),
    ])
  }

  @Test func dropout() throws {
    var random = RandomSource(seed: 5)
    let mask = Tensor<Double>(shape: [2, 4], scalars: [1, 0, 1, 1, 0, 0, 1, 0])
    let operands: [String: Tensor<Double>] = [
      "x": randomTensor([2, 4], &random), "m": mask, "p": Tensor(shape: [], scalars: [0.8]),
      "dy": randomTensor([2, 4], &random),
    ]
    try expectRulesMatchFiniteDifferences(Dropout.self, operands)
    let y = try Dropout.forward(operands)
    for k in 0..<8 { #expect(y.scalars[k] == mask.scalars[k] * operands["x"]!.scalars[k] / 0.8) }
  }

  @Test func softmaxCrossEntropy() throws {
    var random = RandomSource(seed: 6)
    for batch in [1, 3] {
      var t = randomTensor([batch, 5], &random, in: 0...1)
      t.withUnsafeMutableBufferPointer { t in  // each row a distribution, as the rule assumes
        for r in 0..<batch {
          let sum = t[(5 * r)..<(5 * r + 5)].reduce(0, +)
          for i in 0..<5 { t[5 * r + i] /= sum }
        }
      }
      try expectRulesMatchFiniteDifferences(SoftmaxCrossEntropy.self, [
        "z": randomTensor([batch, 5], &random, in: -3...3), "t": t,
      ])
    }
  }

  @Test func softmaxCrossEntropyIsStableForLargeLogits() throws {
    let z = Tensor<Float>(shape: [3], scalars: [1000, 0, -1000])
    let t = Tensor<Float>(shape: [3], scalars: [0, 1, 0])
    #expect(try SoftmaxCrossEntropy.forward(["z": z, "t": t]).scalars == [1000])
    #expect(try SoftmaxCrossEntropy.backward(["z": z, "t": t])["softmax_cross_entropy.z"]!.scalars == [1, -1, 0])
  }

  @Test func meanSquaredError() throws {
    var random = RandomSource(seed: 7)
    for batch in [1, 4] {
      try expectRulesMatchFiniteDifferences(MeanSquaredError.self, [
        "y": randomTensor([batch, 3], &random), "t": randomTensor([batch, 3], &random),
      ])
    }
  }

  @Test func missingAndMisshapenOperandsAreNamed() {
    let x = Tensor<Double>(shape: [2, 3], repeating: 1)
    #expect(throws: TrainingError.badOperands(block: "dense", reason: "missing operand 'W' (given: x)")) {
      try Dense.forward(["x": x])
    }
    #expect(throws: TrainingError.badOperands(block: "dense", reason: "'x' has 3 features; expected 4")) {
      try Dense.forward(["x": x, "W": Tensor(zeros: [2, 4]), "b": Tensor(zeros: [2])])
    }
    #expect(throws: TrainingError.badOperands(block: "relu", reason: "'dy' has 1 examples; expected 2 like the input")) {
      try ReLU.backward(["x": x, "dy": Tensor(zeros: [1, 3])])
    }
  }
}
