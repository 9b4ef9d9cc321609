import Testing
@testable import Train

/// The transformer layers' rules against central finite differences of `sum(dy * y)`, in Double,
/// on batches (the conformance tests take one example); and their operand errors.
@Suite("Transformer rules against finite differences")
struct TransformerGradientTests {
  /// Checks every rule of `rules` against central differences of `sum(dy * forward)`.
  func expectFiniteDifferences(_ rules: any CertifiedBlock.Type, _ operands: [String: Tensor<Double>], h: Double = 1e-5) throws {
    func objective(_ operands: [String: Tensor<Double>]) throws -> Double {
      zip(try rules.forward(operands).scalars, operands["dy"]!.scalars).map(*).reduce(0, +)
    }
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
        let numeric = (try objective(plus) - objective(minus)) / (2 * h)
        #expect(abs(analytic.scalars[k] - numeric) <= 1e-7 * max(1, abs(numeric)), "\(rule)[\(k)]: rule \(analytic.scalars[k]), finite difference \(numeric)")
      }
    }
  }

  @Test func layernormOnABatchOfTokens() throws {
    var random = RandomSource(seed: 11)
    try expectFiniteDifferences(LayerNorm.self, [
      "x": randomTensor([2, 3, 4], &random), "g": randomTensor([4], &random), "b": randomTensor([4], &random),
      "dy": randomTensor([2, 3, 4], &random),
    ])
    // A vector is one token.
    try expectFiniteDifferences(LayerNorm.self, [
      "x": randomTensor([1, 5], &random), "g": randomTensor([5], &random), "b": randomTensor([5], &random), "dy": randomTensor([1, 5], &random),
    ])
  }

  @Test func softmaxAndActivations() throws {
    var random = RandomSource(seed: 12)
    try expectFiniteDifferences(Softmax.self, ["z": randomTensor([2, 3, 4], &random, in: -4...4), "dy": randomTensor([2, 3, 4], &random)])
    try expectFiniteDifferences(GELU.self, ["x": randomTensor([3, 6], &random, in: -3...3), "dy": randomTensor([3, 6], &random)])
    try expectFiniteDifferences(GELUTanh.self, ["x": randomTensor([3, 6], &random, in: -3...3), "dy": randomTensor([3, 6], &random)])
  }

  @Test func tokenLayers() throws {
    var random = RandomSource(seed: 13)
    try expectFiniteDifferences(DenseTokens.self, [
      "x": randomTensor([2, 3, 4], &random), "W": randomTensor([5, 4], &random), "b": randomTensor([5], &random),
      "dy": randomTensor([2, 3, 5], &random),
    ])
    try expectFiniteDifferences(PositionEmbedding.self, [
      "x": randomTensor([2, 3, 4], &random), "P": randomTensor([3, 4], &random), "dy": randomTensor([2, 3, 4], &random),
    ])
    try expectFiniteDifferences(TokenMeanPool.self, ["x": randomTensor([2, 3, 4], &random), "dy": randomTensor([2, 4], &random)])
  }

  @Test func patchEmbeddingOnABatch() throws {
    var random = RandomSource(seed: 15)
    try expectFiniteDifferences(PatchEmbed.self, [
      "x": randomTensor([2, 1, 14, 15], &random), "w": randomTensor([3, 1, 7, 7], &random), "b": randomTensor([3], &random),
      "dy": randomTensor([2, 2, 2, 3], &random),
    ])
  }

  @Test func attentionOnABatch() throws {
    var random = RandomSource(seed: 14)
    let shape = [2, 4, 3, 2]  // B, T, H, E
    try expectFiniteDifferences(AttentionHeads.self, [
      "Q": randomTensor(shape, &random, in: -2...2), "K": randomTensor(shape, &random, in: -2...2),
      "V": randomTensor(shape, &random), "dy": randomTensor(shape, &random),
    ])
  }

  @Test func gelusAgreeWhereTheyShould() throws {
    // The tanh form approximates the erf form to within about 1e-3 on [-4, 4], and both are 0 at 0.
    let x = Tensor<Double>(shape: [9], scalars: (-4...4).map(Double.init))
    let erf = try GELU.forward(["x": x]).scalars, tanh = try GELUTanh.forward(["x": x]).scalars
    #expect(erf[4] == 0 && tanh[4] == 0)
    for (a, b) in zip(erf, tanh) { #expect(abs(a - b) < 1e-3) }
    // gelu(1) = Phi(1) = 0.8413447460685429.
    #expect(abs(erf[5] - 0.8413447460685429) < 1e-15)
  }

  @Test func badOperandsAreNamed() throws {
    let x = Tensor<Double>(zeros: [2, 3])
    #expect(throws: TrainingError.self) { try LayerNorm.forward(["x": x, "g": Tensor(zeros: [2]), "b": Tensor(zeros: [3])]) }
    #expect(throws: TrainingError.self) { try AttentionHeads.forward(["Q": Tensor<Double>(zeros: [2, 1, 2]), "K": Tensor(zeros: [2, 1, 2])]) }
    #expect(throws: TrainingError.self) {
      try AttentionHeads.backward(["Q": Tensor<Double>(zeros: [2, 1, 2]), "K": Tensor(zeros: [2, 1, 2]), "V": Tensor(zeros: [2, 1, 2]), "dy": Tensor(zeros: [2, 2, 2])])
    }
    #expect(throws: TrainingError.self) { try TokenMeanPool.backward(["x": x, "dy": Tensor<Double>(zeros: [2])]) }
    do {
      _ = try DenseTokens.forward(["x": x, "W": Tensor<Double>(zeros: [2, 4]), "b": Tensor(zeros: [2])])
      Issue.record("a width mismatch was accepted")
    } catch let error as TrainingError {
      #expect("\(error)".contains("'x' has 3 features per token; expected 4"))
    }
  }
}
