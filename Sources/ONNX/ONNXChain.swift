import Train

/// The graph walked node by node into a sequence of Certify layers and their tensors.
///
/// `current` is the value flowing through the chain and `shape` its shape without the batch axis,
/// in Certify's terms (`[n]` or `[C, H, W]`). Each layer's tensors are kept in the order the
/// trainer stores them (parameters, then statistics).
struct ONNXChain {
  let path: String
  private var constants: [String: Onnx_TensorProto] = [:]
  private let outputName: String
  private var current: String
  /// The model's input shape, and the shape of `current`.
  let inputShape: [Int]
  private(set) var shape: [Int]
  private(set) var layers: [LayerSpec] = []
  private(set) var tensors: [[[Float]]] = []
  private(set) var notes: [String] = []
  /// The dense layer a `MatMul` began, whose bias a following `Add` of a constant may give.
  private var openMatMul: (layer: Int, output: String)?
  private var finishedAtSoftmax = false

  init(graph: Onnx_GraphProto, path: String) throws(ONNXError) {
    self.path = path
    let initializers = Dictionary(graph.initializer.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    constants = initializers
    let inputs = graph.input.filter { initializers[$0.name] == nil }
    guard inputs.count == 1 else {
      throw ONNXError.unsupportedModel(path: path, reason: "the graph has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); Certify's models take one")
    }
    guard graph.output.count == 1 else {
      throw ONNXError.unsupportedModel(path: path, reason: "the graph has \(graph.output.count) outputs; Certify's models give one")
    }
    current = inputs[0].name
    outputName = graph.output[0].name
    inputShape = try Self.readInputShape(inputs[0], path: path)
    shape = inputShape
  }

  /// The input's shape without its batch axis: `[N, F]` is a vector of F values, `[N, C, H, W]`
  /// an image; leading axes of size 1 before a vector (`[1, 1, 1, 5]`) are dropped.
  private static func readInputShape(_ input: Onnx_ValueInfoProto, path: String) throws(ONNXError) -> [Int] {
    let reason = "input '\(input.name)'"
    guard input.type.tensorType.elemType == Onnx_TensorProto.ElementType.float else {
      throw ONNXError.unsupportedModel(path: path, reason: "\(reason) is not a float32 tensor")
    }
    let dims = input.type.tensorType.shape.dim
    let sizes = dims.dropFirst().map { $0.dimValue > 0 ? Int($0.dimValue) : nil }
    guard dims.count >= 2, sizes.allSatisfy({ $0 != nil }) else {
      throw ONNXError.unsupportedModel(path: path, reason: "\(reason) needs a shape [batch, features] or [batch, C, H, W] with known sizes after the batch axis")
    }
    let known = sizes.map { $0! }
    if known.dropLast().allSatisfy({ $0 == 1 }) { return [known.last!] }
    guard known.count == 3 else {
      throw ONNXError.unsupportedModel(path: path, reason: "\(reason) has shape \(known) after the batch axis; Certify takes vectors and CxHxW images")
    }
    return known
  }

  /// Maps one node, or throws naming it.
  mutating func append(_ node: Onnx_NodeProto, index: Int) throws(ONNXError) {
    let position = NodePosition(index: index, name: node.name, operator_: node.opType)
    let path = self.path
    let refuse = { (reason: String) -> ONNXError in .unsupportedNode(path: path, node: position, reason: reason) }
    guard node.domain.isEmpty || node.domain == "ai.onnx" else {
      throw refuse("operator domain '\(node.domain)' is not read; Certify reads the default ONNX domain")
    }
    if node.opType == "Constant" {
      guard node.output.count == 1, let value = node.attribute.first(where: { $0.name == "value" }), value.hasT else {
        throw refuse("only Constant nodes with a 'value' tensor are read")
      }
      var tensor = value.t
      tensor.name = node.output[0]
      constants[node.output[0]] = tensor
      return
    }
    if finishedAtSoftmax {
      throw refuse("it follows the Softmax, which Certify reads only as the last node")
    }
    let computed = node.input.filter { !$0.isEmpty && constants[$0] == nil }
    guard computed == [current] else {
      throw refuse(computed.count > 1
        ? "it reads \(computed.count) computed values (\(computed.joined(separator: ", "))); Certify's models are a chain of layers, each reading the previous one's output"
        : "it does not read the previous node's output '\(current)'; Certify's models are a chain of layers")
    }
    guard let output = node.output.first, !output.isEmpty else { throw refuse("it has no output") }
    var mapper = NodeMapper(node: node, chain: self, refuse: refuse)
    let mapped = try mapper.map()
    if let bias = mapped.bias {
      tensors[bias.layer][1] = bias.values
      openMatMul = nil
    }
    for layer in mapped.layers {
      do { shape = try layer.spec.outputShape(input: shape).get() } catch {
        throw refuse("\(error)")
      }
      layers.append(layer.spec)
      tensors.append(layer.tensors)
    }
    openMatMul = mapped.opensMatMul ? (layers.count - 1, output) : nil
    if let note = mapped.note { notes.append("\(position): \(note)") }
    if node.opType == "Softmax" { finishedAtSoftmax = true }
    current = output
  }

  /// The spec (loss: softmax cross-entropy for a classifier, mean squared error for one output)
  /// and each layer's tensors.
  func finish() throws(ONNXError) -> (ModelSpec, [[[Float]]]) {
    guard current == outputName else {
      throw ONNXError.unsupportedModel(path: path, reason: "the chain of nodes ends at '\(current)', not at the graph's output '\(outputName)'")
    }
    guard case .dense = layers.last else {
      throw ONNXError.unsupportedModel(path: path, reason: "the last layer is \(layers.last.map { "'\($0.text)'" } ?? "missing"); Certify's models end with a dense layer (Gemm or MatMul)")
    }
    let loss: LossSpec = shape == [1] ? .mse : .softmaxCrossEntropy
    return (ModelSpec(inputShape: inputShape, layers: layers, loss: loss), tensors)
  }

  // MARK: what the mapper reads

  func constant(_ name: String) -> Onnx_TensorProto? { constants[name] }
  var lastLayer: LayerSpec? { layers.last }
  var matMulAwaitingBias: (layer: Int, output: String)? { openMatMul }
  var valueName: String { current }
  var graphOutput: String { outputName }
}
