import Foundation
import Testing
@testable import Train

@Suite("Model specs")
struct ModelSpecTests {
  @Test func theMLPSpecFile() throws {
    let spec = try ModelSpec(contentsOf: packageRoot.appendingPathComponent("Models/mlp.spec").path)
    #expect(spec == ModelSpec(inputWidth: 784, layers: [.dense(units: 256), .relu, .dense(units: 10)], loss: .softmaxCrossEntropy))
    #expect(spec.widths == [256, 256, 10])
    #expect(spec.parameterCount == 784 * 256 + 256 + 256 * 10 + 10)
  }

  @Test func everyStatementAndCommentsAndBlankLines() throws {
    let text = """
      # a comment line

      input 8   # trailing comment
      \tdense 4
      sigmoid
      dropout keep 0.75
      tanh
      dense 3
      relu
      dense 2
      loss mse
      """
    let spec = try ModelSpec(parsing: text)
    #expect(spec.layers == [.dense(units: 4), .sigmoid, .dropout(keep: 0.75), .tanh, .dense(units: 3), .relu, .dense(units: 2)])
    #expect(spec.loss == .mse)
    #expect(try ModelSpec(parsing: spec.text) == spec)  // the canonical text parses back
  }

  /// Each malformed spec fails at the named line and column with the expected message.
  @Test(arguments: [
    ("input 784\ndense wide\nloss mse", 2, 7, "expected the layer's output width (a positive integer), found 'wide'"),
    ("input 784\ndense\nloss mse", 2, 6, "expected the layer's output width (a positive integer) at end of line"),
    ("input 784\ndense 0\nloss mse", 2, 7, "expected the layer's output width (a positive integer), found '0'"),
    ("input 784\n  conv 3\nloss mse", 2, 3, "unknown statement 'conv'; expected one of: add, attention_heads, avgpool, batchnorm, conv2d, dense, depthwise_conv2d, dropout, flatten, from, gelu, gelu_tanh, global_avgpool, input, layer, layernorm, loss, maxpool, mul, patch_embed, position_embedding, relu, sigmoid, softmax, tanh, token_meanpool"),
    ("input 784\nrelu now\nloss mse", 2, 6, "unexpected 'now' after 'relu'; expected the end of the line"),
    ("input 784\ndropout 0.5\nloss mse", 2, 9, "expected 'keep' and the keep probability, as in 'dropout keep 0.9', found '0.5'"),
    ("input 784\ndropout keep 1.5\nloss mse", 2, 14, "expected the keep probability, in (0, 1], found '1.5'"),
    ("input 784\nloss hinge", 2, 6, "unknown loss 'hinge'; expected softmax_cross_entropy or mse"),
    ("input 784\nloss mse\nrelu", 3, 1, "unexpected 'relu' after the loss; the loss is the last statement"),
    ("dense 10\nloss mse", 1, 1, "expected 'input N' before the first layer"),
    ("input 4\ninput 4\nloss mse", 2, 1, "a spec has one 'input' statement"),
    ("input 4\nrelu\n", 3, 1, "expected a final 'loss' statement (softmax_cross_entropy or mse)"),
    ("# nothing\n", 2, 1, "expected 'input N': the spec is empty"),
  ])
  func errorsNameLineAndColumn(text: String, line: Int, column: Int, message: String) {
    #expect(throws: SpecError(file: "bad.spec", line: line, column: column, message: message)) {
      try ModelSpec(parsing: text, file: "bad.spec")
    }
  }

  @Test func errorDescriptionReadsLikeACompilerMessage() {
    let error = SpecError(file: "Models/x.spec", line: 4, column: 7, message: "expected a number")
    #expect(error.description == "Models/x.spec:4:7: expected a number")
  }

  @Test func missingSpecFile() {
    #expect(throws: TrainingError.fileNotFound(path: "/nonexistent/model.spec")) {
      try ModelSpec(contentsOf: "/nonexistent/model.spec")
    }
  }

  @Test func overflowingParameterCountIsNil() {
    let spec = ModelSpec(inputWidth: Int.max / 2, layers: [.dense(units: 4)], loss: .mse)
    #expect(spec.parameterCount == nil)
  }
}
