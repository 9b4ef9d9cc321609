import Foundation
public import Train

/// A checkpoint written as an ONNX model (opset 13): the network up to its logits, weights bit for
/// bit, batch axis symbolic (`N`).
///
/// The loss is not part of the model: a classifier's output is its logits (apply a softmax for
/// probabilities). Dropout is the identity in inference and is left out; batch normalisation is
/// written in its inference form with the running statistics. A formula layer has no ONNX
/// operator and is refused.
///
/// ```swift
/// let bytes = try ONNXExport(checkpoint: checkpoint).serialized()
/// ```
public struct ONNXExport {
  /// The default-domain opset written (every operator used here has had its current meaning since
  /// opset 13).
  public static let opset: Int64 = 13
  /// ONNX IR version 8: read by onnxruntime 1.14 and later.
  public static let irVersion: Int64 = 8

  let model: Onnx_ModelProto

  /// - Throws: `ONNXError.notExportable` for a layer without an ONNX operator.
  public init(checkpoint: Checkpoint, name: String = "certify") throws(ONNXError) {
    var graph = Onnx_GraphProto()
    graph.name = name
    var builder = GraphBuilder(arrays: checkpoint.arrays)
    graph.input = [Self.valueInfo("input", [-1] + checkpoint.spec.inputShape)]
    var shape = checkpoint.spec.inputShape
    // A graph-shaped model's layers do not all read the one before: not exported yet.
    if let k = checkpoint.spec.layers.indices.first(where: { checkpoint.spec.sources(of: $0) != [$0] }) {
      throw .notExportable(layer: k + 1, text: checkpoint.spec.layers[k].text, reason: "graph-shaped models (names, from, add, mul) are not exported yet")
    }
    for (index, layer) in checkpoint.spec.layers.enumerated() {
      try builder.add(layer, position: index + 1, input: shape)
      shape = (try? layer.outputShape(input: shape).get()) ?? shape
    }
    builder.rename(lastTo: "logits")
    graph.node = builder.nodes
    graph.initializer = builder.initializers
    graph.output = [Self.valueInfo("logits", [-1] + shape)]
    var model = Onnx_ModelProto()
    model.irVersion = Self.irVersion
    model.producerName = "certify"
    var opset = Onnx_OperatorSetIdProto()
    opset.domain = ""
    opset.version = Self.opset
    model.opsetImport = [opset]
    model.graph = graph
    self.model = model
  }

  /// The model's protobuf bytes.
  public func serialized() -> Data {
    // Encoding a message built here cannot fail: every field is set from valid values.
    (try? model.serializedData()) ?? Data()
  }

  /// A float32 tensor value description; a negative size is the symbolic batch axis `N`.
  static func valueInfo(_ name: String, _ shape: [Int]) -> Onnx_ValueInfoProto {
    var info = Onnx_ValueInfoProto()
    info.name = name
    var tensor = Onnx_TypeProto.Tensor()
    tensor.elemType = Onnx_TensorProto.ElementType.float
    tensor.shape.dim = shape.map { size in
      var dim = Onnx_TensorShapeProto.Dimension()
      if size < 0 { dim.dimParam = "N" } else { dim.dimValue = Int64(size) }
      return dim
    }
    info.type.tensorType = tensor
    return info
  }
}
