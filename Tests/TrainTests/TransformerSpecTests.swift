import Testing
@testable import Train

/// Token-shaped values (`input TxN`) and the transformer statements of a model spec.
@Suite("Transformer layers in model specs")
struct TransformerSpecTests {
  static let encoder = """
    input 16x49
    dense 64
    position_embedding
    layernorm
    dense 192
    attention_heads 4
    dense 64
    layernorm
    dense 128
    gelu
    dense 64
    gelu_tanh
    token_meanpool
    layernorm
    softmax
    dense 10
    loss softmax_cross_entropy
    """

  @Test func tokenSpecParsesWithShapesAndRoundTrips() throws {
    let spec = try ModelSpec(parsing: Self.encoder)
    #expect(spec.inputShape == [16, 49])
    #expect(spec.layers[0] == .denseTokens(units: 64))
    #expect(spec.layers[4] == .attentionHeads(heads: 4))
    #expect(spec.layers[14] == .dense(units: 10))  // after the mean-pool: a vector
    #expect(spec.shapes == [[16, 64], [16, 64], [16, 64], [16, 192], [16, 64], [16, 64], [16, 64], [16, 128], [16, 128], [16, 64],
                            [16, 64], [64], [64], [64], [10]])
    // 49*64+64, 16*64, 2*64, 64*192+192, 64*64+64, 2*64, 64*128+128, 128*64+64, 2*64, 64*10+10.
    #expect(spec.parameterCount == 3200 + 1024 + 128 + 12480 + 4160 + 128 + 8320 + 8256 + 128 + 650)
    #expect(try ModelSpec(parsing: spec.text) == spec)
  }

  @Test func theModelIsBuiltWithItsLayersAndRules() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.encoder), seed: 1)
    #expect(model.layers.map(\.name) == ["dense1", "position_embedding1", "layernorm1", "dense2", "attention1", "dense3", "layernorm2",
                                         "dense4", "gelu1", "dense5", "gelu_tanh1", "token_meanpool1", "layernorm3", "softmax1", "dense6"])
    #expect(model.layers.map(\.outputShape) == (try ModelSpec(parsing: Self.encoder)).shapes)
    #expect(model.ruleNames.contains("attention_heads.Q") && model.ruleNames.contains("layernorm.g") && model.ruleNames.contains("dense.W"))
    #expect(model.parameters.map(\.name).prefix(4) == ["dense1.W", "dense1.b", "position_embedding1.P", "layernorm1.g"])
    #expect(model.parameters.first { $0.name == "layernorm1.g" }!.value.scalars.allSatisfy { $0 == 1 })
  }

  /// The ViT front end: a 28 x 28 image cut into 16 patches of 7 x 7.
  @Test func patchEmbeddingTurnsAnImageIntoTokens() throws {
    let spec = try ModelSpec(parsing: "input 1x28x28\npatch_embed 64 7\nposition_embedding\ntoken_meanpool\ndense 10\nloss softmax_cross_entropy")
    #expect(spec.layers[0] == .patchEmbed(units: 64, patch: 7))
    #expect(spec.shapes == [[16, 64], [16, 64], [64], [10]])
    #expect(spec.parameterCount == 64 * 49 + 64 + 16 * 64 + 650)
    #expect(try ModelSpec(parsing: spec.text) == spec)
    let model = Sequential(uncheckedSpec: spec, seed: 1)
    #expect(model.parameters.map(\.name) == ["patch_embed1.w", "patch_embed1.b", "position_embedding1.P", "dense1.W", "dense1.b"])
    #expect(model.parameters[0].shape == [64, 1, 7, 7])
  }

  /// A small encoder over certified rules only (every transformer rule's certificate replays), and
  /// it learns: Adam on separable data read as 4 tokens of 5 features.
  @Test func aCertifiedEncoderLearns() throws {
    let text = """
      input 4x5
      dense 12
      position_embedding
      layernorm
      dense 36
      attention_heads 2
      dense 12
      gelu
      dense 12
      gelu_tanh
      token_meanpool
      layernorm
      softmax
      dense 4
      loss softmax_cross_entropy
      """
    let model = try Sequential(try ModelSpec(parsing: text), seed: 3, certificates: testStore)
    for rule in ["dense_tokens.W", "position_embedding.P", "layernorm.x", "attention_heads.K", "gelu.x", "gelu_tanh.x", "token_meanpool.x", "softmax_last.z"] {
      #expect(model.certificateHashes[rule]?.count == 64, "\(rule)")
    }
    #expect(model.modelCertificate == nil && model.modelCertificateGap?.contains("transformer layer") == true)
    let data = try separableDataset(count: 600, features: 20, classes: 4, seed: 100)
    let test = try separableDataset(count: 200, features: 20, classes: 4, seed: 100).prefix(200)
    let configuration = TrainingConfiguration(epochs: 3, batchSize: 32, learningRate: 0.01, optimizer: .adam, seed: 3)
    let report = try Trainer(configuration).train(model, on: data, test: test)
    #expect(report.epochs.last!.loss < report.epochs.first!.loss)
    #expect(report.epochs.last!.testAccuracy! > 0.9)
  }

  /// A checkpoint of a transformer model decodes to the same function, parameter for parameter.
  @Test func checkpointsRoundTrip() throws {
    let spec = try ModelSpec(parsing: "input 1x14x14\npatch_embed 6 7\nposition_embedding\nlayernorm\ndense 12\nattention_heads 2\ngelu\ntoken_meanpool\ndense 3\nloss mse")
    let model = try Sequential(spec, seed: 5, certificates: testStore)
    let loaded = try Checkpoint(decoding: Checkpoint(model: model).encoded()).makeModel(certificates: testStore)
    #expect(loaded.spec == spec)
    #expect(loaded.parameters.map(\.value) == model.parameters.map(\.value))
    var random = RandomSource(seed: 9)
    var input = (0..<(3 * 196)).map { _ in Float(random.uniform()) }
    let (a, b) = input.withUnsafeMutableBufferPointer { x -> ([Float], [Float]) in
      let batch = UnsafeMatrix(x.baseAddress!, rows: 3, columns: 196)
      return (Array(model.forward(batch, training: false).buffer), Array(loaded.forward(batch, training: false).buffer))
    }
    #expect(a == b && a.count == 9)
  }

  @Test func aPatchEmbeddingModelIsCertified() throws {
    let spec = try ModelSpec(parsing: "input 2x14x21\npatch_embed 8 7\nposition_embedding\ntoken_meanpool\ndense 3\nloss mse")
    let model = try Sequential(spec, seed: 1, certificates: testStore)
    #expect(model.layers[0].outputShape == [6, 8])
    #expect(Set(model.ruleNames).isSuperset(of: ["patch_embed7.x", "patch_embed7.w", "patch_embed7.b"]))
    // 4 x 4 patches of a 2 x 14 x 21 image: 3 x 5 tokens, the rules of their own block.
    let four = try Sequential(try ModelSpec(parsing: "input 2x14x21\npatch_embed 8 4\ntoken_meanpool\ndense 3\nloss mse"), seed: 1, certificates: testStore)
    #expect(four.layers[0] is PatchEmbed4 && four.layers[0].outputShape == [15, 8])
    #expect(four.parameters[0].shape == [8, 2, 4, 4] && four.parameters[0].rule == "patch_embed4.w")
  }

  /// Attention keeps `H T T` weights per example: the memory bound counts them, and refuses a
  /// sequence whose weights would not fit before anything is allocated.
  @Test func attentionWeightsCountInTheMemoryBound() throws {
    #expect(LayerSpec.attentionHeads(heads: 2).scratchPerExample(input: [8, 6]) == 2 * 8 * 8)
    #expect(LayerSpec.gelu.scratchPerExample(input: [8, 6]) == 0)
    let small = try ModelSpec(parsing: "input 8x6\nattention_heads 2\ntoken_meanpool\nloss mse")
    let noWeights = try ModelSpec(parsing: "input 8x6\ndense 2\ntoken_meanpool\nloss mse")  // the same widths, 14 parameters
    #expect(small.trainingBytes(batch: 10)! - noWeights.trainingBytes(batch: 10)! == 2 * 8 * 8 * 1000 * 4 - 14 * 4 * 4)
    let long = try ModelSpec(parsing: "input 65536x3\nattention_heads 1\ntoken_meanpool\nloss mse")
    #expect(throws: TrainingError.self) { try long.checkMemory(batch: 1) }
  }

  /// Each malformed spec fails at the named line and column with the expected message.
  @Test(arguments: [
    ("input 16x49\nattention_heads 5\nloss mse", 2, 1,
     "attention_heads 5 reads each token's query, key and value side by side (3 x 5 heads x width), but its input has 49 features per token, not a multiple of 15 (write 'dense 45' before it)"),
    ("input 16x48\nattention_heads 0\nloss mse", 2, 17, "expected the number of heads (a positive integer), found '0'"),
    ("input 784\ntoken_meanpool\nloss mse", 2, 1,
     "token_meanpool reads TxN tokens, but its input is a vector of 784 values (give the input as 'input TxN', e.g. 'input 16x49')"),
    ("input 784\nposition_embedding\nloss mse", 2, 1,
     "position_embedding reads TxN tokens, but its input is a vector of 784 values (give the input as 'input TxN', e.g. 'input 16x49')"),
    ("input 1x28x28\nlayernorm\nloss mse", 2, 1, "layernorm normalizes the last axis of a vector or TxN tokens, but its input is a 1x28x28 image"),
    ("input 1x28x28\nsoftmax\nloss mse", 2, 1, "softmax normalizes the last axis of a vector or TxN tokens, but its input is a 1x28x28 image"),
    ("input 16x0\ndense 2\nloss mse", 1, 7, "expected each size of TxN (a positive integer), found '0'"),
    ("input 16x49\nconv2d 2 3\nloss mse", 2, 1,
     "conv2d needs a CxHxW image, but its input is 16x49 tokens (give the input as 'input CxHxW', e.g. 'input 1x28x28')"),
    ("input 16x49\nlayernorm eps\nloss mse", 2, 11, "unexpected 'eps' after 'layernorm'; expected the end of the line"),
    ("input 1x28x28\npatch_embed 64 5\nloss mse", 2, 1,
     "patch_embed patch size 5 is not supported; the certified rules are for patches of 2, 4, 7, 8, 14, 16 (Theorems/transformer.thm)"),
    ("input 1x6x28\npatch_embed 64 7\nloss mse", 2, 1, "patch_embed patch 7 is larger than its input's height 6"),
    ("input 16x49\npatch_embed 64 7\nloss mse", 2, 1,
     "patch_embed needs a CxHxW image, but its input is 16x49 tokens (give the input as 'input CxHxW', e.g. 'input 1x28x28')"),
    ("input 1x28x28\npatch_embed 64\nloss mse", 2, 15, "expected the patch size (a positive integer) at end of line"),
    ("input 4x3\nlayer f(n)\n  input x[n]\n  output y[i: n] = x[i] * x[i]\nloss mse", 2, 1,
     "layer 'f' reads a vector, but its input is 4x3 tokens; write 'token_meanpool' before it"),
  ])
  func errors(text: String, line: Int, column: Int, message: String) {
    #expect(throws: SpecError(file: "<spec>", line: line, column: column, message: message)) { try ModelSpec(parsing: text) }
  }
}
