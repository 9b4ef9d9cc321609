/// Why an ONNX file could not be read or written, naming the file and, for a node, its position
/// (from 1, in the graph's order), name and operator.
public enum ONNXError: Error, Equatable, Sendable {
  /// The file could not be read or written.
  case unreadable(path: String, reason: String)
  /// The bytes are not an ONNX model (the protobuf does not decode, or the graph is missing).
  case malformed(path: String, reason: String)
  /// A node Certify cannot map to one of its layers.
  case unsupportedNode(path: String, node: NodePosition, reason: String)
  /// The model as a whole does not fit (input shape, graph shape, opset, output).
  case unsupportedModel(path: String, reason: String)
  /// A checkpoint layer with no ONNX operator (export).
  case notExportable(layer: Int, text: String, reason: String)
}

/// A node of an ONNX graph as a user finds it in a viewer such as Netron: position, name, operator.
public struct NodePosition: Equatable, Sendable, CustomStringConvertible {
  /// The position in the graph's node list, from 1.
  public let index: Int
  public let name: String
  public let operator_: String

  public init(index: Int, name: String, operator_: String) {
    self.index = index
    self.name = name
    self.operator_ = operator_
  }

  public var description: String {
    "node \(index)" + (name.isEmpty ? "" : " '\(name)'") + " (\(operator_))"
  }
}

extension ONNXError: CustomStringConvertible {
  public var description: String {
    switch self {
    case .unreadable(let path, let reason): return "\(path): \(reason)"
    case .malformed(let path, let reason): return "\(path): not a valid ONNX model: \(reason)"
    case .unsupportedNode(let path, let node, let reason): return "\(path): \(node): \(reason)"
    case .unsupportedModel(let path, let reason): return "\(path): \(reason)"
    case .notExportable(let layer, let text, let reason):
      return "layer \(layer) ('\(text)') cannot be written as ONNX: \(reason)"
    }
  }
}
