import Testing
@testable import Train

@Suite("Formula layers in model specs: syntax and errors")
struct FormulaLayerSpecTests {
  @Test func blocksParseWithCommentsAndBlankLines() throws {
    let text = """
      input 8
      layer pairs(n)    # neighbours
        input x[n]

        output y[i: n - 1] = x[i]
          * x[i + 1]
      # a comment between layers
      dense 3
      loss mse
      """
    let spec = try ModelSpec(parsing: text)
    guard case let .formula(formula) = spec.layers[0] else {
      Issue.record("not a formula layer: \(spec.layers[0])")
      return
    }
    #expect(formula.name == "pairs")
    #expect(formula.text == "layer pairs(n)\n  input x[n]\n  output y[i: n - 1] = x[i]\n  * x[i + 1]")
    #expect(!formula.givesBackward)
    #expect(spec.widths == [7, 3])
    #expect(spec.parameterCount == 7 * 3 + 3)
    #expect(try ModelSpec(parsing: spec.text) == spec)
    #expect(try FormulaLayerSpec(parsing: formula.text) == formula)
  }

  /// Errors inside a block are reported at the spec's line and column, from the theorem language's
  /// parser or from the checks of a formula layer's shape.
  @Test(arguments: [
    ("input 4\nlayer f(n)\n  input x[n]\n  output y[i: n] = x[i] * * x[i]\nloss mse", 4, 27, "expected an expression but found '*'"),
    ("input 4\nlayer f(n)\n  input x[n]\n  output y[i: n] = x[i] * z[i]\nloss mse", 4, 27, "unknown name 'z'"),
    ("input 4\nlayer f(n)\n  input x[n]\n  output y[i: n] = x[i, i]\nloss mse", 4, 20, "tensor 'x' has rank 1 but is given 2 indices"),
    ("input 4\nlayer f(n, m)\n  input x[n]\n  output y[i: n] = x[i]\nloss mse", 2, 1,
     "a formula layer has exactly one dimension, the width of its input, as in 'layer f(n)'"),
    ("input 4\nlayer f(n)\n  input x[n]\n  param w[n]\n  output y[i: n] = w[i] * x[i]\nloss mse", 4, 3,
     "a formula layer has no parameters (learned weights belong in 'dense' layers)"),
    ("input 4\nlayer f(n)\n  input x[n], u[n]\n  output y[i: n] = x[i]\nloss mse", 3, 3,
     "a formula layer reads one input vector over its dimension, as in 'input x[n]'"),
    ("input 4\nlayer f(n)\n  input x[n]\n  output s = x[0]\nloss mse", 4, 3,
     "a formula layer's output is a vector with one index, as in 'output y[i: n] = ...'"),
    ("input 4\nlayer dense(n)\n  input x[n]\n  output y[i: n] = x[i]\nloss mse", 2, 7,
     "'dense' names a built-in statement or block; choose another name for the layer"),
    ("input 4\nlayer f(n)\n  input x[n]\n  output y[i: n - 4] = x[i]\nloss mse", 4, 3,
     "layer 'f' would have 0 outputs (n - 4 with n = 4, the width of its input); it needs at least 1"),
    ("input 8\nlayer f(n)\n  input x[n]\n  output y[i: n - 4] = x[i]\nf\nloss mse", 5, 1,
     "layer 'f' would have 0 outputs (n - 4 with n = 4, the width of its input); it needs at least 1"),
    ("input 4\nlayer f(n)\n  input x[n]\n  output y[i: n] = x[i]\nlayer f(n)\n  input x[n]\n  output y[i: n] = x[i]\nloss mse", 5, 7,
     "layer 'f' is already defined at line 2; write 'f' alone to use it again"),
    ("input 4\nlayer f(n)\n  input x[n]\n  output y[i: n] = x[i]\nf twice\nloss mse", 5, 3,
     "unexpected 'twice' after 'f'; expected the end of the line"),
    ("input 4\nlayer f(n)\ndense 3\nloss mse", 2, 1, "layer 'f' has no output line"),
    ("input 4\nlayer f(n)\n  input x[n]\n  output y[i: n] = x[i]\n  dense 3\nloss mse", 5, 3,
     "expected a layer line (input, param, def, output, assume or vjp) but found 'dense'"),
  ])
  func errorsInBlocksNameLineAndColumn(text: String, line: Int, column: Int, message: String) {
    #expect(throws: SpecError(file: "f.spec", line: line, column: column, message: message)) {
      try ModelSpec(parsing: text, file: "f.spec")
    }
  }

  /// The unknown-statement message lists the formula layers defined so far.
  @Test func definedLayersAreStatements() {
    #expect(throws: SpecError(file: "<spec>", line: 5, column: 1,
                              message: "unknown statement 'swish'; expected one of: add, attention_heads, avgpool, batchnorm, conv2d, dense, depthwise_conv2d, dropout, f, flatten, from, gelu, gelu_tanh, global_avgpool, input, layer, layernorm, loss, maxpool, mul, patch_embed, position_embedding, relu, sigmoid, softmax, tanh, token_meanpool")) {
      try ModelSpec(parsing: "input 4\nlayer f(n)\n  input x[n]\n  output y[i: n] = x[i]\nswish\nloss mse")
    }
  }
}
