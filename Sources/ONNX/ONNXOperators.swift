/// The ONNX operators Certify maps to its layers, and the opsets it reads.
enum ONNXOperators {
  /// Operators that become a layer (or merge into one). `Add` of two computed values is the
  /// `add` layer (a residual sum), of a constant a MatMul's bias; `Mul` of two computed values is
  /// the `mul` layer.
  static let layers = [
    "Gemm", "MatMul", "Add", "Mul", "Relu", "Sigmoid", "Tanh", "Conv", "MaxPool", "AveragePool",
    "GlobalAveragePool", "Flatten", "Reshape", "BatchNormalization",
  ]
  /// Operators read as the input's normalisation (`InputNormalization`): of a constant, on the
  /// model's input, before its first layer.
  static let normalization = ["Sub", "Div"]
  /// Operators dropped with a note (the identity in inference, or `Softmax` at the output).
  static let dropped = ["Identity", "Dropout", "Softmax"]
  /// Nodes that only define constants (their tensor is read like an initializer).
  static let constants = ["Constant"]

  /// The default-domain opset versions whose semantics of the operators above the importer
  /// follows (7: Gemm with optional broadcasting of C; 13+: Softmax over one axis). Later opsets
  /// changed nothing the importer reads for these operators up to 22.
  static let opsets = 7...22

  static var supportedList: String { (layers + normalization + dropped).sorted().joined(separator: ", ") }

  static func checkOpset(_ model: Onnx_ModelProto, path: String) throws(ONNXError) {
    let imports = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
    guard let version = imports.map(\.version).max() else { return }
    guard opsets.contains(Int(version)) else {
      throw ONNXError.unsupportedModel(path: path, reason: "opset \(version) of the default domain is not read; Certify reads opsets \(opsets.lowerBound) to \(opsets.upperBound) (convert with onnx.version_converter)")
    }
  }
}
