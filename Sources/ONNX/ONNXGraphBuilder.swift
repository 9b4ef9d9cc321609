import Train

/// The nodes and initializers of an exported graph, one layer at a time. Values are named
/// `layer1`, `layer2`, ... after the layer that writes them (or the spec's name for the value, in
/// a graph-shaped model); weights `<parameter name>` as the trainer names them.
struct GraphBuilder {
  private var arrays: ArraySlice<Checkpoint.StoredTensor>
  private(set) var nodes: [Onnx_NodeProto] = []
  private(set) var initializers: [Onnx_TensorProto] = []
  /// The value the next node reads: the last one written.
  private var current = "input"

  init(arrays: [Checkpoint.StoredTensor]) { self.arrays = arrays[...] }

  /// Writes `layer` reading the values named `reads` (of shapes `input` for the first), its output
  /// named `output` (`layer<position>` unless given); returns the name of the value it writes
  /// (its input's, for a dropout).
  mutating func add(_ layer: LayerSpec, position: Int, input: [Int], reads: [String], output: String? = nil) throws(ONNXError) -> String {
    func refuse(_ reason: String) -> ONNXError { .notExportable(layer: position, text: layer.text, reason: reason) }
    let name = output ?? "layer\(position)"
    current = reads[0]
    switch layer {
    case .dense(let units):
      let (w, b) = try take(2, refuse).pair
      let width = input.reduce(1, *)
      emit("Gemm", name, [current, constant(w, shape: [units, width]), constant(b, shape: [units])], ints: ["transB": 1])
    case .relu: emit("Relu", name, [current])
    case .sigmoid: emit("Sigmoid", name, [current])
    case .tanh: emit("Tanh", name, [current])
    case .dropout: return current
    case .add: emit("Add", name, reads)
    case .mul: emit("Mul", name, reads)
    case .formula(let formula):
      throw refuse("formula layer '\(formula.name)' has no ONNX operator")
    case .denseTokens, .layernorm, .softmax, .gelu, .geluTanh, .attentionHeads, .positionEmbedding, .tokenMeanpool, .patchEmbed:
      throw refuse("transformer layers are not exported to ONNX yet")
    case let .conv2d(channels, kernel, stride, padding):
      let (w, b) = try take(2, refuse).pair
      emit("Conv", name, [current, constant(w, shape: [channels, input[0], kernel, kernel]), constant(b, shape: [channels])],
           lists: Self.window(kernel, stride, padding))
    case let .depthwiseConv2d(kernel, stride, padding):
      let (w, b) = try take(2, refuse).pair
      emit("Conv", name, [current, constant(w, shape: [input[0], 1, kernel, kernel]), constant(b, shape: [input[0]])],
           ints: ["group": input[0]], lists: Self.window(kernel, stride, padding))
    case let .maxpool(kernel, stride):
      emit("MaxPool", name, [current], lists: Self.window(kernel, stride, 0))
    case let .avgpool(kernel, stride):
      emit("AveragePool", name, [current], lists: Self.window(kernel, stride, 0))
    case .globalAvgpool:
      // ONNX keeps C x 1 x 1; Certify's layer gives the vector of C values.
      emit("GlobalAveragePool", "layer\(position)_pool", [current])
      emit("Flatten", name, [current], ints: ["axis": 1])
    case .flatten:
      emit("Flatten", name, [current], ints: ["axis": 1])
    case .batchnorm:
      let stored = try take(4, refuse)
      emit("BatchNormalization", name, [current] + stored.map { constant($0, shape: [input[0]]) },
           floats: ["epsilon": BatchNorm.epsilon])
    }
    return current
  }

  /// Renames the value `old` (the model's output) to `new` wherever a node writes or reads it.
  mutating func rename(_ old: String, to new: String) {
    for k in nodes.indices {
      nodes[k].output = nodes[k].output.map { $0 == old ? new : $0 }
      nodes[k].input = nodes[k].input.map { $0 == old ? new : $0 }
    }
  }

  private static func window(_ kernel: Int, _ stride: Int, _ padding: Int) -> [String: [Int]] {
    ["kernel_shape": [kernel, kernel], "strides": [stride, stride], "pads": [padding, padding, padding, padding]]
  }

  private mutating func take(_ count: Int, _ refuse: (String) -> ONNXError) throws(ONNXError) -> [Checkpoint.StoredTensor] {
    guard arrays.count >= count else { throw refuse("the checkpoint holds fewer arrays than its layers need") }
    defer { arrays = arrays.dropFirst(count) }
    return Array(arrays.prefix(count))
  }

  private mutating func constant(_ stored: Checkpoint.StoredTensor, shape: [Int]) -> String {
    initializers.append(Onnx_TensorProto(name: stored.name, shape: shape, floats: stored.value.scalars))
    return stored.name
  }

  private mutating func emit(_ op: String, _ name: String, _ inputs: [String], ints: [String: Int] = [:],
                             floats: [String: Float] = [:], lists: [String: [Int]] = [:]) {
    var node = Onnx_NodeProto()
    node.opType = op
    node.name = name
    node.input = inputs
    node.output = [name]
    var attributes: [Onnx_AttributeProto] = []
    for (key, value) in ints.sorted(by: { $0.key < $1.key }) {
      var a = Onnx_AttributeProto(); a.name = key; a.type = .int; a.i = Int64(value); attributes.append(a)
    }
    for (key, value) in floats.sorted(by: { $0.key < $1.key }) {
      var a = Onnx_AttributeProto(); a.name = key; a.type = .float; a.f = value; attributes.append(a)
    }
    for (key, value) in lists.sorted(by: { $0.key < $1.key }) {
      var a = Onnx_AttributeProto(); a.name = key; a.type = .ints; a.ints = value.map { Int64($0) }; attributes.append(a)
    }
    node.attribute = attributes
    nodes.append(node)
    current = name
  }
}

private extension Array where Element == Checkpoint.StoredTensor {
  var pair: (Element, Element) { (self[0], self[1]) }
}
