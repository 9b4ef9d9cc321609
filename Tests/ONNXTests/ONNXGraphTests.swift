import Foundation
import Testing
import Train
@testable import ONNX

/// Residual graphs in and out of ONNX: an `Add` of two computed values is Certify's `add`, a value
/// read by several nodes a fan-out, and the imported model a graph-shaped spec whose forward pass
/// is the graph's; graphs that do not map are refused by node.
@Suite struct ONNXGraphTests {
  typealias I = ONNXImportTests

  /// The trainer's float32 forward pass of an imported checkpoint at `x`.
  static func logits(_ checkpoint: Checkpoint, _ x: [Float]) throws -> [Float] {
    let model = try checkpoint.makeModel(certificates: .builtIn)
    var input = x
    return input.withUnsafeMutableBufferPointer { buffer in
      let out = model.forward(UnsafeMatrix(buffer.baseAddress!, rows: 1, columns: x.count), training: false)
      return Array(UnsafeBufferPointer(start: out.row(0), count: out.columns))
    }
  }

  static let w3 = I.tensor("W3", [3, 3], [0.5, -0.25, 1, 0.75, 0.125, -1, -0.5, 1.5, 0.25])

  /// A residual MLP as PyTorch exports one: `h` is read by the relu and by the shortcut's Add.
  static let residualMLP = I.model([
    I.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]),
    I.node("Relu", "relu1", ["h"], "r"),
    I.node("Gemm", "fc2", ["r", "W3"], "g", ints: ["transB": 1]),
    I.node("Add", "skip", ["g", "h"], "s"),
    I.node("Relu", "relu2", ["s"], "t"),
    I.node("Gemm", "out", ["t", "W2"], "y", ints: ["transB": 1]),
  ], constants: [I.w1, w3, I.w2])

  @Test func aResidualAddIsTheAddLayerOfAGraphShapedSpec() throws {
    let imported = try ONNXImport(data: Self.residualMLP, certificates: .builtIn)
    let spec = imported.checkpoint.spec
    #expect(spec.layers.map(\.text) == ["dense 3", "relu", "dense 3", "add", "relu", "dense 2"])
    #expect(spec.graph?.inputs == [[0], [1], [2], [3, 1], [4], [5]])
    // The shortcut's operand keeps its ONNX name.
    #expect(spec.text == "input 4\nh = dense 3\nrelu\ndense 3\nadd h\nrelu\ndense 2\nloss softmax_cross_entropy\n")
  }

  @Test func theImportedGraphComputesWhatTheONNXGraphDoes() throws {
    let imported = try ONNXImport(data: Self.residualMLP, certificates: .builtIn)
    let x: [Float] = [0.5, -1, 2, 0.25]
    // The graph evaluated by hand in float64 from the same weights (W stored [out, in]).
    func gemm(_ w: [Float], _ v: [Double], out: Int) -> [Double] {
      (0..<out).map { o in (0..<v.count).reduce(0.0) { $0 + Double(w[o * v.count + $1]) * v[$1] } }
    }
    let h = gemm(try I.w1.floatValues(), x.map(Double.init), out: 3)
    let g = gemm(try Self.w3.floatValues(), h.map { max($0, 0) }, out: 3)
    let t = zip(g, h).map { max($0 + $1, 0) }
    let expected = gemm(try I.w2.floatValues(), t, out: 2)
    let got = try Self.logits(imported.checkpoint, x)
    #expect(got.count == 2)
    for (a, b) in zip(got, expected) { #expect(abs(Double(a) - b) <= 1e-5 * max(1, abs(b)), "\(got) vs \(expected)") }
  }

  @Test func theInputReadTwiceAndAMatMulBiasInsideABlock() throws {
    // y = W2 · relu(x + (x · B + c)): the input is a fan-out, MatMul + Add of a constant stays one
    // dense layer inside the block.
    let b = (0..<16).map { Float($0 % 5) / 4 - 0.5 }
    let data = I.model([
      I.node("MatMul", "mm", ["x", "B"], "m"),
      I.node("Add", "bias", ["m", "c"], "mb"),
      I.node("Add", "skip", ["x", "mb"], "s"),
      I.node("Relu", "relu", ["s"], "r"),
      I.node("Gemm", "out", ["r", "W"], "y", ints: ["transB": 1]),
    ], constants: [I.tensor("B", [4, 4], b), I.tensor("c", [4], [1, -1, 0.5, 0]),
                   I.tensor("W", [2, 4], [1, 0, -1, 0.5, 0.25, 1, 0, -2])])
    let spec = try ONNXImport(data: data, certificates: .builtIn).checkpoint.spec
    #expect(spec.layers.map(\.text) == ["dense 4", "add", "relu", "dense 2"])
    #expect(spec.graph?.inputs == [[0], [0, 1], [2], [3]])
  }

  @Test func addsOfDifferentShapesAreRefusedByNode() {
    let message = I.refusal(I.model([
      I.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]),
      I.node("Add", "skip", ["h", "x"], "s"),
      I.node("Gemm", "fc2", ["s", "W2"], "y", ints: ["transB": 1]),
    ], constants: [I.w1, I.w2]))
    #expect(message?.contains("net.onnx: node 2 'skip' (Add): it combines values of shapes 3 and 4") == true)
  }

  @Test func aDanglingBranchIsRefusedByTheNodeThatWritesIt() {
    let message = I.refusal(I.model([
      I.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]),
      I.node("Tanh", "unused", ["h"], "u"),
      I.node("Relu", "relu", ["h"], "r"),
      I.node("Gemm", "fc2", ["r", "W2"], "y", ints: ["transB": 1]),
    ], constants: [I.w1, I.w2]))
    #expect(message?.contains("net.onnx: node 2 'unused' (Tanh): its value is read by no later node") == true)
  }

  @Test func aBiasAddMayNotTakeAMatMulOutputOthersRead() {
    let message = I.refusal(I.model([
      I.node("MatMul", "mm", ["x", "B"], "m"),
      I.node("Add", "bias", ["m", "c"], "mb"),
      I.node("Add", "skip", ["m", "mb"], "s"),
      I.node("Gemm", "out", ["s", "W2"], "y", ints: ["transB": 1]),
    ], constants: [I.tensor("B", [4, 3], .init(repeating: 0.5, count: 12)), I.tensor("c", [3], [1, 2, 3]), I.w2]))
    #expect(message?.contains("node 2 'bias' (Add): 'm' is read by other nodes too") == true)
  }

  @Test func anAddOfAConstantElsewhereIsRefused() {
    let message = I.refusal(I.model([
      I.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]),
      I.node("Add", "shift", ["h", "c"], "s"),
      I.node("Gemm", "fc2", ["s", "W2"], "y", ints: ["transB": 1]),
    ], constants: [I.w1, I.tensor("c", [3], [1, 2, 3]), I.w2]))
    #expect(message?.contains("node 2 'shift' (Add): an Add of a constant is read only as the bias of the MatMul") == true)
  }

  /// Models/resnet.spec in small, exported and read back: the same spec text (names and all) and
  /// every weight and statistic bit for bit.
  @Test func aResNetRoundTrips() throws {
    let spec = """
      input 2x6x6
      conv2d 2->3 3 pad 1
      batchnorm
      stem = relu
      conv2d 3->3 3 pad 1
      batchnorm
      add stem
      block1 = relu
      conv2d 3->4 3 stride 2 pad 1
      batchnorm
      relu
      conv2d 4->4 3 pad 1
      residual = batchnorm
      from block1 conv2d 3->4 1 stride 2
      batchnorm
      add residual
      relu
      global_avgpool
      dense 3
      loss softmax_cross_entropy
      """
    let (original, imported, _) = try ONNXRoundTripTests.roundTrip(spec, seed: 9)
    #expect(original.spec.graph != nil)
    ONNXRoundTripTests.expectSame(original, imported)
    let graph = try ONNXExport(checkpoint: original).model.graph
    #expect(graph.node.filter { $0.opType == "Add" }.map(\.input) == [["layer5", "stem"], ["layer14", "residual"]])
    #expect(graph.node.first { $0.name == "layer13" }?.input.first == "block1")
  }

  @Test func aDropoutInAGraphPassesItsInputOn() throws {
    let model = try Sequential(ModelSpec(parsing: "input 4\nh = dense 4\nrelu\ndropout keep 0.5\nadd h\ndense 2\nloss softmax_cross_entropy"),
                               seed: 2, certificates: .builtIn)
    let graph = try ONNXExport(checkpoint: Checkpoint(model: model)).model.graph
    #expect(graph.node.map(\.opType) == ["Gemm", "Relu", "Add", "Gemm"])
    #expect(graph.node[2].input == ["layer2", "h"])
    #expect(graph.node.last?.output == ["logits"])
  }
}
