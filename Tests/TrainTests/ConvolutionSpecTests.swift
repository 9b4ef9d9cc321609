import Foundation
import Testing
@testable import Train

/// Image inputs and the convolutional statements of model specs: shapes, canonical text, and
/// errors with file, line and column.
@Suite("Convolutional model specs")
struct ConvolutionSpecTests {
  @Test func theCNNSpecFile() throws {
    let spec = try ModelSpec(contentsOf: packageRoot.appendingPathComponent("Models/cnn.spec").path)
    #expect(spec.inputShape == [1, 28, 28])
    #expect(spec.inputWidth == 784)
    #expect(spec.shapes == [[16, 28, 28], [16, 28, 28], [16, 14, 14], [32, 14, 14], [32, 14, 14], [32, 7, 7], [1568], [128], [128], [10]])
    #expect(spec.parameterCount == (16 * 25 + 16) + (32 * 16 * 25 + 32) + (128 * 1568 + 128) + (128 * 10 + 10))
    #expect(try ModelSpec(parsing: spec.text) == spec)
    #expect(spec.text.hasPrefix("input 1x28x28\nconv2d 16 5 pad 2\nrelu\nmaxpool 2\n"))
  }

  @Test func everyConvolutionalStatement() throws {
    let spec = try ModelSpec(parsing: """
      input 3x9x8
      conv2d 4 3 stride 2 pad 1
      avgpool 2 stride 1
      conv2d 4->6 1
      maxpool 2
      global_avgpool
      dense 5
      loss mse
      """)
    // conv: (9 + 2 - 3) / 2 + 1 = 5, (8 + 2 - 3) / 2 + 1 = 4; avgpool 2 stride 1: 4 x 3; maxpool: 2 x 1.
    #expect(spec.shapes == [[4, 5, 4], [4, 4, 3], [6, 4, 3], [6, 2, 1], [6], [5]])
    #expect(spec.layers[1] == .avgpool(kernel: 2, stride: 1))
    #expect(try ModelSpec(parsing: spec.text) == spec)
    #expect(try ModelSpec(parsing: "input 784\ndense 10\nloss mse").inputShape == [784])  // the vector form still works
  }

  /// Every certified (window, stride): the output sizes, the layer class and its rule.
  @Test func everyMaxPooling() throws {
    let cases: [(String, [Int], String)] = [
      ("maxpool 2", [2, 3, 3], "maxpool2_s2"), ("maxpool 2 stride 1", [2, 6, 6], "maxpool2_s1"),
      ("maxpool 3 stride 1", [2, 5, 5], "maxpool3_s1"), ("maxpool 3 stride 2", [2, 3, 3], "maxpool3_s2"),
    ]
    for (statement, shape, block) in cases {
      let spec = try ModelSpec(parsing: "input 2x7x7\n\(statement)\nflatten\ndense 2\nloss mse")
      #expect(spec.shapes[0] == shape)
      #expect(try ModelSpec(parsing: spec.text) == spec)
      #expect(spec.text.contains(statement + "\n"))
      let model = Sequential(uncheckedSpec: spec, seed: 1)
      #expect(type(of: model.layers[0]).certifiedBlock == block)
      #expect(model.ruleNames.contains(block + ".x"))
    }
  }

  /// Each malformed spec fails at the named line and column with the expected message.
  @Test(arguments: [
    ("input 1x4x4\nconv2d 2 5\nflatten\ndense 2\nloss mse", 2, 1, "conv2d kernel 5 is larger than its input's height 4"),
    ("input 1x4x4\nconv2d 2 3 stride 0\nflatten\ndense 2\nloss mse", 2, 19, "expected the stride (a positive integer), found '0'"),
    ("input 1x8x8\nconv2d 2 3 stride 3\nflatten\ndense 2\nloss mse", 2, 1,
     "conv2d stride 3 is not supported; the certified rules are for stride 1 and 2 (Theorems/cnn.thm)"),
    ("input 1x8x8\nconv2d 3->2 3\nflatten\ndense 2\nloss mse", 2, 8, "channel mismatch: the layer says 3 input channels, its input has 1 (shape 1x8x8)"),
    ("input 1x8x8\nconv2d 2 3\ndense 2\nloss mse", 3, 1, "dense reads a vector, but its input is a 2x6x6 image; write 'flatten' before it"),
    ("input 64\nconv2d 2 3\nloss mse", 2, 1,
     "conv2d needs a CxHxW image, but its input is a vector of 64 values (give the input as 'input CxHxW', e.g. 'input 1x28x28')"),
    ("input 1x8x8\nmaxpool 3\nflatten\nloss mse", 2, 1,
     "maxpool 3 stride 3 is not supported; the certified rules (Theorems/maxpool*.thm) are for 'maxpool 2', 'maxpool 2 stride 1', 'maxpool 3 stride 1', 'maxpool 3 stride 2'"),
    ("input 1x8x8\nmaxpool 2 stride 0\nflatten\nloss mse", 2, 18, "expected the stride (a positive integer), found '0'"),
    ("input 1x2x2\nmaxpool 3 stride 1\nflatten\nloss mse", 2, 1, "maxpool kernel 3 is larger than its input's height 2"),
    ("input 1x8x8\nmaxpool 2 pad 1\nflatten\nloss mse", 2, 11, "unexpected 'pad'; expected 'stride N' or the end of the line"),
    ("input 1x8x8\nconv2d 2 3 pad 3\nflatten\nloss mse", 2, 1, "conv2d padding 3 is not smaller than its kernel 3: some outputs would read only padding"),
    ("input 1x8x8\nconv2d 2 3 pad 1 pad 1\nflatten\nloss mse", 2, 18, "'pad' is given twice"),
    ("input 1x8x8\nconv2d 2 3 dilation 2\nflatten\nloss mse", 2, 12, "unexpected 'dilation'; expected 'stride N' or 'pad N' or the end of the line"),
    ("input 1x2x28x28\ndense 2\nloss mse", 1, 7, "expected the input shape: N features, CxHxW for images (e.g. 1x28x28), or TxN for tokens (e.g. 16x49), found '1x2x28x28'"),
    ("input 1x0x28\ndense 2\nloss mse", 1, 7, "expected each size of CxHxW (a positive integer), found '0'"),
  ])
  func errors(text: String, line: Int, column: Int, message: String) {
    #expect(throws: SpecError(file: "<spec>", line: line, column: column, message: message)) { try ModelSpec(parsing: text) }
  }
}
