import Foundation
import Testing
import Train
@testable import ONNX

/// Checkpoints written as ONNX and read back are the same model: spec and every weight bit.
@Suite struct ONNXRoundTripTests {
  static func roundTrip(_ specText: String, seed: UInt64) throws -> (Checkpoint, Checkpoint, [String]) {
    let model = try Sequential(ModelSpec(parsing: specText), seed: seed, certificates: .builtIn)
    // Batch norm's running statistics start at 0 and 1: give them other values, so that they are
    // seen to travel.
    for (k, tensor) in model.storedTensors.enumerated() where tensor.name.hasSuffix(".m") || tensor.name.hasSuffix(".v") {
      tensor.value = Tensor(shape: tensor.value.shape, scalars: tensor.value.scalars.indices.map { Float(k + $0 + 1) / 8 })
    }
    let original = Checkpoint(model: model)
    let bytes = try ONNXExport(checkpoint: original).serialized()
    let imported = try ONNXImport(data: bytes, path: "roundtrip.onnx", certificates: .builtIn)
    return (original, imported.checkpoint, imported.notes)
  }

  static func expectSame(_ a: Checkpoint, _ b: Checkpoint) {
    #expect(a.spec.text == b.spec.text)
    #expect(a.arrays.count == b.arrays.count)
    for (x, y) in zip(a.arrays, b.arrays) {
      #expect(x.value.shape == y.value.shape, "\(x.name)")
      #expect(x.value.scalars.map(\.bitPattern) == y.value.scalars.map(\.bitPattern), "\(x.name)")
    }
  }

  @Test func mlpRoundTrips() throws {
    let (original, imported, notes) = try Self.roundTrip(
      "input 6\ndense 5\nrelu\ndense 4\ntanh\ndense 3\nsigmoid\ndense 2\nloss softmax_cross_entropy", seed: 3)
    Self.expectSame(original, imported)
    #expect(notes.isEmpty)
  }

  @Test func cnnRoundTrips() throws {
    let (original, imported, _) = try Self.roundTrip(
      "input 2x8x8\nconv2d 3 3 pad 1\nbatchnorm\nrelu\nmaxpool 2\ndepthwise_conv2d 3 stride 2 pad 1\navgpool 2\nflatten\ndense 4\nloss softmax_cross_entropy",
      seed: 5)
    Self.expectSame(original, imported)
  }

  @Test func globalPoolingRoundTrips() throws {
    let (original, imported, notes) = try Self.roundTrip(
      "input 1x6x6\nconv2d 2 3 stride 2\nrelu\nglobal_avgpool\ndense 3\nloss softmax_cross_entropy", seed: 7)
    Self.expectSame(original, imported)
    // The exported GlobalAveragePool + Flatten reads back as global_avgpool alone.
    #expect(notes.contains { $0.contains("GlobalAveragePool") })
  }

  @Test func dropoutIsLeftOut() throws {
    let model = try Sequential(ModelSpec(parsing: "input 4\ndense 3\nrelu\ndropout keep 0.5\ndense 2\nloss softmax_cross_entropy"), seed: 1, certificates: .builtIn)
    let exported = try ONNXExport(checkpoint: Checkpoint(model: model))
    #expect(exported.model.graph.node.map(\.opType) == ["Gemm", "Relu", "Gemm"])
    let imported = try ONNXImport(data: exported.serialized(), certificates: .builtIn)
    #expect(imported.checkpoint.spec.layers.map(\.text) == ["dense 3", "relu", "dense 2"])
  }

  @Test func exportNamesTheValuesAndTheBatchAxis() throws {
    let model = try Sequential(ModelSpec(parsing: "input 1x4x4\nflatten\ndense 2\nloss softmax_cross_entropy"), seed: 1, certificates: .builtIn)
    let graph = try ONNXExport(checkpoint: Checkpoint(model: model)).model.graph
    #expect(graph.input.map(\.name) == ["input"])
    #expect(graph.output.map(\.name) == ["logits"])
    #expect(graph.input[0].type.tensorType.shape.dim.map(\.dimParam) == ["N", "", "", ""])
    #expect(graph.input[0].type.tensorType.shape.dim.dropFirst().map(\.dimValue) == [1, 4, 4])
    #expect(graph.node.last?.output == ["logits"])
  }
}
