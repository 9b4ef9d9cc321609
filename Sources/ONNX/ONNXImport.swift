import Foundation
public import Certificates
public import Train

/// An ONNX model read as a Certify model: its spec and its float32 weights, bit for bit, as a
/// checkpoint the audits take like one the trainer wrote.
///
/// The graph may be a chain or have residual connections: an `Add` of two computed values is
/// Certify's `add` layer and a value read by several nodes a fan-out, so the model is a
/// graph-shaped spec (Docs/Training.md, "Graph-shaped models"), which every audit tier bounds
/// (`GraphLowering`). The operators are those Certify's layers correspond to (`ONNXOperators.supported`); any other is
/// refused with its position, name and operator. A few nodes carry no layer and are dropped, each
/// with a note: `Identity`, `Dropout` (the identity in inference), and a `Softmax` at the output
/// (monotone, so it changes neither the predicted class nor which class a robustness audit
/// defends; the audits bound the logits before it). A `MatMul` followed by an `Add` of a constant
/// is one dense layer.
///
/// ```swift
/// let imported = try ONNXImport(contentsOf: "mnist.onnx", certificates: store)
/// imported.checkpoint.spec.text   // "input 784\ndense 256\nrelu\ndense 10\n..."
/// ```
public struct ONNXImport: Sendable {
  /// The model as a checkpoint without training: spec, weights, and the certificates of its rules.
  public let checkpoint: Checkpoint
  /// What was dropped or merged on the way, for the audit's report.
  public let notes: [String]
  /// `Sub` and `Div` of constants on the input before the first layer, read exactly; nil when the
  /// model has none. The checkpoint's layers start after it.
  public let inputNormalization: InputNormalization?

  /// Reads the ONNX file at `path`.
  /// - Throws: `ONNXError` naming the file and, for a node it cannot map, the node.
  public init(contentsOf path: String, certificates store: CertificateStore) throws(ONNXError) {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw ONNXError.unreadable(path: path, reason: (error as NSError).localizedDescription)
    }
    try self.init(data: data, path: path, certificates: store)
  }

  /// Reads an ONNX model from its bytes; `path` names it in errors.
  public init(data: Data, path: String = "<onnx>", certificates store: CertificateStore) throws(ONNXError) {
    let model: Onnx_ModelProto
    do { model = try Onnx_ModelProto(serializedBytes: data) } catch {
      throw ONNXError.malformed(path: path, reason: "\(error)")
    }
    guard model.hasGraph, !model.graph.node.isEmpty else {
      throw ONNXError.malformed(path: path, reason: "the model has no graph or its graph has no nodes")
    }
    try ONNXOperators.checkOpset(model, path: path)
    var reader = try ONNXGraphReader(graph: model.graph, path: path)
    for (position, node) in model.graph.node.enumerated() {
      try reader.append(node, index: position + 1)
    }
    let (spec, tensors) = try reader.finish()
    let sequential: Sequential
    do { sequential = try Sequential(spec, seed: 0, certificates: store) } catch {
      throw ONNXError.unsupportedModel(path: path, reason: "its layers do not make a Certify model: \(error)")
    }
    try Self.load(tensors, into: sequential, path: path)
    checkpoint = Checkpoint(model: sequential)
    notes = reader.notes
    inputNormalization = reader.normalization.isEmpty
      ? nil : InputNormalization(steps: reader.normalization, width: spec.inputShape.reduce(1, *))
  }

  /// Gives each layer's stored tensors (parameters, then statistics) the imported values, checking
  /// each count against the layer's.
  private static func load(_ tensors: [[[Float]]], into model: Sequential, path: String) throws(ONNXError) {
    for (position, (layer, values)) in zip(model.layers, tensors).enumerated() {
      let stored = layer.parameters + layer.statistics
      guard stored.count == values.count else {
        throw ONNXError.unsupportedModel(path: path, reason: "layer \(position + 1) ('\(model.spec.layers[position].text)') stores \(stored.count) tensors, \(values.count) were read")
      }
      for (parameter, scalars) in zip(stored, values) {
        guard parameter.value.count == scalars.count else {
          throw ONNXError.unsupportedModel(path: path, reason: "\(parameter.name) has \(parameter.value.count) values, the file gives \(scalars.count)")
        }
        parameter.value = Tensor(shape: parameter.value.shape, scalars: scalars)
      }
    }
  }
}

extension ONNXImport {
  /// Whether `bytes` (a file's first bytes) and `path` look like an ONNX model: the `.onnx`
  /// extension, or a protobuf whose first field is `ir_version` (tag byte 0x08), as every
  /// exporter writes it. Certify's checkpoints start `CRTFYCKP` and `.npz` archives `PK`.
  public static func looksLikeONNX(_ bytes: some Collection<UInt8>, path: String) -> Bool {
    path.lowercased().hasSuffix(".onnx") || bytes.first == 0x08
  }
}
