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
  ])
  func errors(text: String, line: Int, column: Int, message: String) {
    #expect(throws: SpecError(file: "<spec>", line: line, column: column, message: message)) { try ModelSpec(parsing: text) }
  }
}
