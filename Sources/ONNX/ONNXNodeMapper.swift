import Train

/// One node mapped to Certify layers (each with its tensors in the trainer's order), or to the
/// bias of the dense layer a `MatMul` began.
struct MappedNode {
  var layers: [(spec: LayerSpec, tensors: [[Float]])] = []
  var bias: (layer: Int, values: [Float])?
  var opensMatMul = false
  var note: String?
}

/// Maps one node that reads one computed value (`input`). Attributes whose value would change the meaning away from the
/// layer's are refused by name, never ignored.
struct NodeMapper {
  let node: Onnx_NodeProto
  let input: InputValue
  let graphOutput: String
  let constant: (String) -> Onnx_TensorProto?
  let refuse: (String) -> ONNXError
  private let attributes: ONNXAttributes

  init(node: Onnx_NodeProto, input: InputValue, graphOutput: String, constant: @escaping (String) -> Onnx_TensorProto?,
       refuse: @escaping (String) -> ONNXError) {
    self.node = node
    self.input = input
    self.graphOutput = graphOutput
    self.constant = constant
    self.refuse = refuse
    attributes = ONNXAttributes(node)
  }

  mutating func map() throws(ONNXError) -> MappedNode {
    switch node.opType {
    case "Gemm": return try gemm()
    case "MatMul": return try matMul()
    case "Add": return try add()
    case "Relu": return MappedNode(layers: [(.relu, [])])
    case "Sigmoid": return MappedNode(layers: [(.sigmoid, [])])
    case "Tanh": return MappedNode(layers: [(.tanh, [])])
    case "Conv": return try convolution()
    case "MaxPool", "AveragePool": return try pooling()
    case "GlobalAveragePool": return try globalAveragePool()
    case "Flatten": return try flatten()
    case "Reshape": return try reshape()
    case "BatchNormalization": return try batchNormalization()
    case "Identity": return MappedNode(note: "Identity dropped")
    case "Dropout": return MappedNode(note: "Dropout dropped (the identity in inference)")
    case "Softmax": return try softmax()
    case "Mul": throw refuse("Mul is read only as the product of two computed values of one shape (Certify's mul); a product with a constant is not read")
    default:
      throw refuse("operator \(node.opType) is not supported; Certify reads \(ONNXOperators.supportedList)")
    }
  }

  // MARK: dense

  private func gemm() throws(ONNXError) -> MappedNode {
    try only(["alpha", "beta", "transA", "transB"])
    guard attributes.int("transA", default: 0) == 0 else { throw refuse("transA = 1 is not read: the batch must be the rows of A") }
    guard attributes.float("alpha", default: 1) == 1, attributes.float("beta", default: 1) == 1 else {
      throw refuse("alpha and beta other than 1 are not read (scaling float32 weights would round them)")
    }
    let b = try constantInput(1, what: "weight B")
    guard b.dims.count == 2 else { throw refuse("weight B has shape \(b.shape), not a matrix") }
    let transposed = attributes.int("transB", default: 0) == 1
    let (outputs, inputs) = transposed ? (b.shape[0], b.shape[1]) : (b.shape[1], b.shape[0])
    let weight = try values(b)
    let w = transposed ? weight : Self.transpose(weight, rows: inputs, columns: outputs)
    let bias = node.input.count > 2 && !node.input[2].isEmpty
      ? try broadcast(try values(try constantInput(2, what: "bias C")), to: outputs, what: "bias C")
      : [Float](repeating: 0, count: outputs)
    return MappedNode(layers: [(.dense(units: outputs), [try checked(w, inputs: inputs), bias])])
  }

  private func matMul() throws(ONNXError) -> MappedNode {
    guard node.input.count == 2, node.input[0] == input.name else {
      throw refuse("only MatMul of the previous value by a constant matrix (x · B) is read")
    }
    let b = try constantInput(1, what: "matrix B")
    guard b.dims.count == 2 else { throw refuse("matrix B has shape \(b.shape), not a matrix") }
    let (inputs, outputs) = (b.shape[0], b.shape[1])
    let w = Self.transpose(try values(b), rows: inputs, columns: outputs)
    var mapped = MappedNode(layers: [(.dense(units: outputs), [try checked(w, inputs: inputs), [Float](repeating: 0, count: outputs)])])
    mapped.opensMatMul = true
    return mapped
  }

  /// `Add` of a constant to a `MatMul`'s output that nothing else reads: that dense layer's bias
  /// (its bias was zero, so no float addition rounds it). An `Add` of two computed values (a
  /// residual sum) is not mapped here but by the graph reader.
  private func add() throws(ONNXError) -> MappedNode {
    guard let layer = input.openMatMul else {
      throw refuse("an Add of a constant is read only as the bias of the MatMul that writes its other operand (x · B + c)")
    }
    guard input.isOnlyRead else {
      throw refuse("'\(input.name)' is read by other nodes too, so this Add of a constant cannot be merged into the MatMul that writes it as its bias")
    }
    let index = node.input[0] == input.name ? 1 : 0
    let c = try constantInput(index, what: "bias")
    let units = input.shape.reduce(1, *)
    return MappedNode(bias: (layer, try broadcast(try values(c), to: units, what: "bias")), note: "Add merged into the MatMul before it as its bias")
  }

  // MARK: images

  private func convolution() throws(ONNXError) -> MappedNode {
    try only(["kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"])
    let w = try constantInput(1, what: "weight W")
    guard w.dims.count == 4, input.shape.count == 3 else {
      throw refuse("only 2-D convolutions of a CxHxW image are read (weight shape \(w.shape), input \(input.shape))")
    }
    let (outputs, perGroup, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let geometry = try window(kernel: [kh, kw], allowPadding: true)
    let group = attributes.int("group", default: 1)
    let channels = input.shape[0]
    let bias = node.input.count > 2 && !node.input[2].isEmpty
      ? try broadcast(try values(try constantInput(2, what: "bias B")), to: outputs, what: "bias B")
      : [Float](repeating: 0, count: outputs)
    if group == 1 {
      guard perGroup == channels else { throw refuse("weight W reads \(perGroup) channels, the input has \(channels)") }
      return MappedNode(layers: [(.conv2d(channels: outputs, kernel: geometry.kernel, stride: geometry.stride, padding: geometry.padding), [try values(w), bias])])
    }
    guard group == channels, outputs == channels, perGroup == 1 else {
      throw refuse("group = \(group) is read only as a depthwise convolution (group = input channels = output channels, one filter each)")
    }
    return MappedNode(layers: [(.depthwiseConv2d(kernel: geometry.kernel, stride: geometry.stride, padding: geometry.padding), [try values(w), bias])])
  }

  private func pooling() throws(ONNXError) -> MappedNode {
    try only(["kernel_shape", "strides", "pads", "dilations", "auto_pad", "ceil_mode", "count_include_pad", "storage_order"])
    guard attributes.int("ceil_mode", default: 0) == 0 else { throw refuse("ceil_mode = 1 is not read") }
    guard attributes.int("storage_order", default: 0) == 0 else { throw refuse("storage_order = 1 is not read") }
    guard let kernel = attributes.ints("kernel_shape"), kernel.count == 2 else { throw refuse("kernel_shape must give 2 sizes") }
    let geometry = try window(kernel: kernel, allowPadding: false)
    let spec: LayerSpec = node.opType == "MaxPool"
      ? .maxpool(kernel: geometry.kernel, stride: geometry.stride)
      : .avgpool(kernel: geometry.kernel, stride: geometry.stride)
    return MappedNode(layers: [(spec, [])])
  }

  private func globalAveragePool() throws(ONNXError) -> MappedNode {
    var mapped = MappedNode(layers: [(.globalAvgpool, [])])
    mapped.note = "GlobalAveragePool gives a vector of C values (ONNX's C x 1 x 1)"
    return mapped
  }

  /// The square window, equal strides and symmetric padding the certified rules cover.
  private func window(kernel: [Int], allowPadding: Bool) throws(ONNXError) -> (kernel: Int, stride: Int, padding: Int) {
    if let declared = attributes.ints("kernel_shape"), declared != kernel {
      throw refuse("kernel_shape \(declared) disagrees with the weight's \(kernel)")
    }
    guard kernel.count == 2, kernel[0] == kernel[1] else { throw refuse("only square windows are read, this one is \(kernel)") }
    let strides = attributes.ints("strides") ?? [1, 1]
    guard strides.count == 2, strides[0] == strides[1] else { throw refuse("only equal strides are read, these are \(strides)") }
    let dilations = attributes.ints("dilations") ?? [1, 1]
    guard dilations.allSatisfy({ $0 == 1 }) else { throw refuse("dilations \(dilations) are not read (only 1)") }
    if let autoPad = attributes.string("auto_pad"), autoPad != "NOTSET", autoPad != "VALID" {
      throw refuse("auto_pad = \(autoPad) is not read; export with explicit pads")
    }
    let pads = attributes.ints("pads") ?? [0, 0, 0, 0]
    guard pads.count == 4, Set(pads).count == 1 else { throw refuse("only equal padding on all sides is read, these pads are \(pads)") }
    guard allowPadding || pads[0] == 0 else { throw refuse("padded \(node.opType) is not read") }
    return (kernel[0], strides[0], pads[0])
  }

  // MARK: reshaping

  private func flatten() throws(ONNXError) -> MappedNode {
    try only(["axis"])
    guard attributes.int("axis", default: 1) == 1 else { throw refuse("only Flatten with axis = 1 (keep the batch axis) is read") }
    return input.shape.count == 3
      ? MappedNode(layers: [(.flatten, [])])
      : MappedNode(note: "Flatten of a vector dropped (the identity)")
  }

  /// `Reshape` to `[batch, features]` (a flatten) or to the shape the value already has.
  private func reshape() throws(ONNXError) -> MappedNode {
    let shapeTensor = try constantInput(1, what: "shape")
    let target: [Int64]
    do { target = try shapeTensor.int64Values() } catch { throw refuse(error.reason) }
    let width = input.shape.reduce(1, *)
    let rest = target.dropFirst().map { Int($0) }
    guard let batch = target.first, batch == -1 || batch == 0 || batch == 1 else {
      throw refuse("a Reshape must keep the batch axis first (shape \(target))")
    }
    if rest == [width] || rest == [-1] {
      return input.shape.count == 3 ? MappedNode(layers: [(.flatten, [])]) : MappedNode(note: "Reshape of a vector to itself dropped")
    }
    if rest == input.shape { return MappedNode(note: "Reshape to the same shape dropped") }
    throw refuse("Reshape to \(target) is not read; only [batch, \(width)] (a flatten) is")
  }

  // MARK: normalisation and output

  /// Inference-form batch normalisation with Certify's epsilon (its rule's `eps` is 1e-5).
  private func batchNormalization() throws(ONNXError) -> MappedNode {
    try only(["epsilon", "momentum", "training_mode", "spatial"])
    guard attributes.int("training_mode", default: 0) == 0, node.output.filter({ !$0.isEmpty }).count == 1 else {
      throw refuse("only the inference form (one output, training_mode = 0) is read")
    }
    let epsilon = attributes.float("epsilon", default: 1e-5)
    guard epsilon == BatchNorm.epsilon else {
      throw refuse("epsilon \(epsilon) is not Certify's batch-norm epsilon \(BatchNorm.epsilon)")
    }
    guard input.shape.count == 3 else { throw refuse("batch normalisation is read over a CxHxW image") }
    let channels = input.shape[0]
    var read: [[Float]] = []
    for (index, what) in ["scale", "B", "mean", "var"].enumerated() {
      let tensor = try constantInput(index + 1, what: what)
      let v = try values(tensor)
      guard v.count == channels else { throw refuse("\(what) has \(v.count) values for \(channels) channels") }
      read.append(v)
    }
    if read[3].contains(where: { !($0 >= 0) }) { throw refuse("a variance is negative or NaN") }
    return MappedNode(layers: [(.batchnorm, read)])
  }

  private func softmax() throws(ONNXError) -> MappedNode {
    guard node.output.first == graphOutput else {
      throw refuse("Softmax is read only as the last node (before the output it is a layer Certify's models do not have)")
    }
    let axis = attributes.int("axis", default: -1)
    guard axis == -1 || axis == 1 else { throw refuse("Softmax over axis \(axis) is not read; only over the classes (axis 1 or -1)") }
    return MappedNode(note: "Softmax at the output dropped: it keeps the order of the logits, so the predicted class and the margins' signs; the audits bound the logits")
  }

  // MARK: helpers

  private func only(_ names: Set<String>) throws(ONNXError) {
    let unknown = attributes.names.subtracting(names)
    guard unknown.isEmpty else { throw refuse("attribute \(unknown.sorted().joined(separator: ", ")) is not read") }
  }

  private func constantInput(_ index: Int, what: String) throws(ONNXError) -> Onnx_TensorProto {
    guard index < node.input.count, let tensor = constant(node.input[index]) else {
      throw refuse("its \(what) must be a constant (an initializer or Constant node)")
    }
    return tensor
  }

  private func values(_ tensor: Onnx_TensorProto) throws(ONNXError) -> [Float] {
    do { return try tensor.floatValues() } catch { throw refuse(error.reason) }
  }

  private func broadcast(_ values: [Float], to count: Int, what: String) throws(ONNXError) -> [Float] {
    if values.count == count { return values }
    if values.count == 1 { return [Float](repeating: values[0], count: count) }
    throw refuse("\(what) has \(values.count) values for \(count) outputs")
  }

  private func checked(_ weight: [Float], inputs: Int) throws(ONNXError) -> [Float] {
    let width = input.shape.reduce(1, *)
    guard input.shape.count == 1, inputs == width else {
      throw refuse(input.shape.count == 1
        ? "its weight reads \(inputs) values, the previous value has \(width)"
        : "it reads a \(input.shape.map(String.init).joined(separator: "x")) image; flatten it first (Flatten or Reshape)")
    }
    return weight
  }

  /// `[rows, columns]` row-major to `[columns, rows]` row-major.
  static func transpose(_ m: [Float], rows: Int, columns: Int) -> [Float] {
    (0..<columns).flatMap { c in (0..<rows).map { r in m[r * columns + c] } }
  }
}
