import Foundation
public import Train

/// A checkpoint written as an ONNX model (opset 13): the network up to its logits, weights bit for
/// bit, batch axis symbolic (`N`). A graph-shaped model (Docs/Training.md, "Graph-shaped models")
/// is written as its graph: `add` as `Add` and `mul` as `Mul` of the two values, a value read by
/// several layers read by several nodes.
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
    let spec = checkpoint.spec
    let shapes = [spec.inputShape] + spec.shapes  // by value: 0 the input, k + 1 layer k's output
    // The ONNX name of each value; a graph's named values keep their spec names where no
    // generated name (`layer<k>`, `layer<k>_pool`, the parameters') can clash with them.
    var names = ["input"]
    for (k, layer) in spec.layers.enumerated() {
      let reads = spec.sources(of: k)
      let given = spec.graph?.names[k + 1].flatMap { $0.hasPrefix("layer") || $0 == "logits" ? nil : $0 }
      names.append(try builder.add(layer, position: k + 1, input: shapes[reads[0]], reads: reads.map { names[$0] }, output: given))
    }
    let shape = shapes.last!
    builder.rename(names.last!, to: "logits")
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
