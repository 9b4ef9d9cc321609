import Foundation
import Testing
import Train
@testable import ONNX

/// Graphs written by hand here, as other exporters write them, read or refused by name.
@Suite struct ONNXImportTests {
  /// A model of `nodes` over input `x` of shape `[N] + inputShape`, output `y`.
  static func model(_ nodes: [Onnx_NodeProto], constants: [Onnx_TensorProto], inputShape: [Int] = [4], opset: Int64 = 13) -> Data {
    var graph = Onnx_GraphProto()
    graph.node = nodes
    graph.initializer = constants
    graph.input = [ONNXExport.valueInfo("x", [-1] + inputShape)]
    graph.output = [ONNXExport.valueInfo("y", [-1, 2])]
    var model = Onnx_ModelProto()
    model.irVersion = 8
    var set = Onnx_OperatorSetIdProto()
    set.version = opset
    model.opsetImport = [set]
    model.graph = graph
    return try! model.serializedData()
  }

  static func node(_ op: String, _ name: String, _ inputs: [String], _ output: String, ints: [String: Int] = [:], floats: [String: Float] = [:]) -> Onnx_NodeProto {
    var n = Onnx_NodeProto()
    n.opType = op
    n.name = name
    n.input = inputs
    n.output = [output]
    n.attribute = ints.map { var a = Onnx_AttributeProto(); a.name = $0.key; a.type = .int; a.i = Int64($0.value); return a }
      + floats.map { var a = Onnx_AttributeProto(); a.name = $0.key; a.type = .float; a.f = $0.value; return a }
    return n
  }

  static func tensor(_ name: String, _ shape: [Int], _ values: [Float]) -> Onnx_TensorProto {
    Onnx_TensorProto(name: name, shape: shape, floats: values)
  }

  /// The error importing `data`, as the user reads it.
  static func refusal(_ data: Data) -> String? {
    do { _ = try ONNXImport(data: data, path: "net.onnx", certificates: .builtIn); return nil } catch { return "\(error)" }
  }

  static let w1 = tensor("W1", [3, 4], (0..<12).map { Float($0) / 7 })
  static let w2 = tensor("W2", [2, 3], (0..<6).map { Float($0) / 5 - 0.5 })

  @Test func matMulAndAddAreOneDenseLayer() throws {
    // x · B + c with B stored [in, out], as JAX and TensorFlow exporters write it.
    let b = (0..<12).map { Float($0) - 5.5 }
    let data = Self.model([
      Self.node("MatMul", "mm", ["x", "B"], "h"),
      Self.node("Add", "add", ["h", "c"], "hb"),
      Self.node("Relu", "relu", ["hb"], "r"),
      Self.node("Gemm", "out", ["r", "W2"], "y", ints: ["transB": 1]),
    ], constants: [Self.tensor("B", [4, 3], b), Self.tensor("c", [3], [0.25, -1, 3]), Self.w2])
    let imported = try ONNXImport(data: data, certificates: .builtIn)
    #expect(imported.checkpoint.spec.layers.map(\.text) == ["dense 3", "relu", "dense 2"])
    let w = imported.checkpoint.arrays[0].value.scalars
    for o in 0..<3 { for i in 0..<4 { #expect(w[o * 4 + i] == b[i * 3 + o]) } }
    #expect(imported.checkpoint.arrays[1].value.scalars == [0.25, -1, 3])
    #expect(imported.notes.contains { $0.contains("node 2 'add' (Add)") && $0.contains("bias") })
  }

  @Test func softmaxAtTheOutputIsDroppedWithANote() throws {
    let data = Self.model([
      Self.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]),
      Self.node("Relu", "relu", ["h"], "r"),
      Self.node("Gemm", "fc2", ["r", "W2"], "z", ints: ["transB": 1]),
      Self.node("Softmax", "sm", ["z"], "y", ints: ["axis": 1]),
    ], constants: [Self.w1, Self.w2])
    let imported = try ONNXImport(data: data, certificates: .builtIn)
    #expect(imported.checkpoint.spec.layers.map(\.text) == ["dense 3", "relu", "dense 2"])
    #expect(imported.notes.contains { $0.contains("Softmax") })
  }

  @Test func anUnsupportedOperatorIsRefusedByPositionNameAndOperator() {
    let message = Self.refusal(Self.model([
      Self.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]),
      Self.node("LeakyRelu", "act", ["h"], "r"),
      Self.node("Gemm", "fc2", ["r", "W2"], "y", ints: ["transB": 1]),
    ], constants: [Self.w1, Self.w2]))
    #expect(message?.contains("net.onnx: node 2 'act' (LeakyRelu): operator LeakyRelu is not supported") == true)
  }

  @Test func aConcatenationIsRefusedAsAnOperator() {
    let message = Self.refusal(Self.model([
      Self.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]),
      Self.node("Relu", "relu", ["h"], "r"),
      Self.node("Concat", "cat", ["r", "h"], "s", ints: ["axis": 1]),
      Self.node("Gemm", "fc2", ["s", "W2"], "y", ints: ["transB": 1]),
    ], constants: [Self.w1, Self.w2]))
    #expect(message?.contains("node 3 'cat' (Concat): operator Concat is not supported") == true)
  }

  @Test func aProductWithAConstantIsRefused() {
    let message = Self.refusal(Self.model([
      Self.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]),
      Self.node("Mul", "scale", ["h", "k"], "s"),
      Self.node("Gemm", "fc2", ["s", "W2"], "y", ints: ["transB": 1]),
    ], constants: [Self.w1, Self.tensor("k", [1], [2]), Self.w2]))
    #expect(message?.contains("node 2 'scale' (Mul): Mul is read only as the product of two computed values") == true)
  }

  @Test func scaledGemmIsRefused() {
    let message = Self.refusal(Self.model([
      Self.node("Gemm", "fc", ["x", "W1"], "h", ints: ["transB": 1], floats: ["alpha": 2]),
      Self.node("Gemm", "fc2", ["h", "W2"], "y", ints: ["transB": 1]),
    ], constants: [Self.w1, Self.w2]))
    #expect(message?.contains("node 1 'fc' (Gemm): alpha and beta other than 1") == true)
  }

  @Test func anotherBatchNormEpsilonIsRefused() {
    let c = [Float](repeating: 1, count: 2)
    let message = Self.refusal(Self.model([
      Self.node("BatchNormalization", "bn", ["x", "g", "b", "m", "v"], "h", floats: ["epsilon": 1e-3]),
      Self.node("Flatten", "flat", ["h"], "f"),
      Self.node("Gemm", "fc", ["f", "W"], "y", ints: ["transB": 1]),
    ], constants: ["g", "b", "m", "v"].map { Self.tensor($0, [2], c) } + [Self.tensor("W", [2, 8], .init(repeating: 0.5, count: 16))],
       inputShape: [2, 2, 2]))
    #expect(message?.contains("node 1 'bn' (BatchNormalization): epsilon 0.001 is not Certify's batch-norm epsilon") == true)
  }

  @Test func aSoftmaxBeforeTheOutputIsRefused() {
    let message = Self.refusal(Self.model([
      Self.node("Gemm", "fc1", ["x", "W1"], "h", ints: ["transB": 1]),
      Self.node("Softmax", "sm", ["h"], "s"),
      Self.node("Gemm", "fc2", ["s", "W2"], "y", ints: ["transB": 1]),
    ], constants: [Self.w1, Self.w2]))
    #expect(message?.contains("node 2 'sm' (Softmax): Softmax is read only as the last node") == true)
  }

  @Test func aNewerOpsetIsRefused() {
    let message = Self.refusal(Self.model([Self.node("Gemm", "fc", ["x", "W2"], "y", ints: ["transB": 1])],
                                          constants: [Self.tensor("W2", [2, 4], .init(repeating: 1, count: 8))], opset: 40))
    #expect(message?.contains("opset 40") == true)
  }

  @Test func externalWeightsAreRefusedWithTheFix() {
    var w = Self.tensor("W2", [2, 4], .init(repeating: 1, count: 8))
    w.dataLocation = .external
    let message = Self.refusal(Self.model([Self.node("Gemm", "fc", ["x", "W2"], "y", ints: ["transB": 1])], constants: [w]))
    #expect(message?.contains("stored in an external file") == true)
  }

  @Test func bytesThatAreNotAModelAreRefused() {
    let message = Self.refusal(Data([0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]))
    #expect(message?.hasPrefix("net.onnx: not a valid ONNX model") == true)
  }

  @Test func float32WeightsAreReadBitForBit() throws {
    // Values that are not short decimals, and a subnormal: nothing is rounded on the way in.
    let values: [Float] = [.pi, -.ulpOfOne, .leastNonzeroMagnitude, 1 / 3, 1e-30, -7.25, 65504, .greatestFiniteMagnitude]
    let data = Self.model([Self.node("Gemm", "fc", ["x", "W"], "y", ints: ["transB": 1])],
                          constants: [Self.tensor("W", [2, 4], values)])
    let imported = try ONNXImport(data: data, certificates: .builtIn)
    #expect(imported.checkpoint.arrays[0].value.scalars.map(\.bitPattern) == values.map(\.bitPattern))
  }
}
