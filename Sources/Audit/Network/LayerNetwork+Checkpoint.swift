import Train

extension LayerNetwork {
  /// The network a trainer checkpoint holds, as bound layers, for a robustness audit: a dense/ReLU
  /// network (`input N`) or a CNN (`input CxHxW`: conv2d with stride and padding,
  /// depthwise_conv2d, maxpool, avgpool, global_avgpool, flatten, batchnorm, dense, relu).
  ///
  /// Parameters are read as the trainer stores them: a convolution's `[out, in, kh, kw]`, a
  /// depthwise one's `[C, kh, kw]`, images channels first (NCHW), a dense `[out, in]`. Batch norm is
  /// its evaluation form with the running statistics, folded into a per-channel affine map whose
  /// irrational coefficients are enclosed (`SparseAffineLayer.batchNorm(input:scale:shift:mean:variance:epsilon:)`).
  /// Dropout is the identity at evaluation and is skipped. The loss does not matter: the audit
  /// bounds the logits' margins. The checkpoint's certificate hashes are not consulted: they
  /// certify the training gradients, and the audit bounds the function the weights define.
  /// - Throws: `AuditError.unsupportedLayer` naming the first layer the audit cannot bound (by its
  ///   position in the spec, from 1), `.invalidArgument` for a last layer that is not dense or
  ///   arrays that are not the layer's, `.shapeMismatch` for an array whose shape disagrees with the
  ///   spec, `.nonFiniteWeight` for an infinite or NaN value.
  public init(checkpoint: Checkpoint, path: String = "<checkpoint>") throws(AuditError) {
    var reader = CheckpointArrays(arrays: checkpoint.arrays, path: path)
    var layers: [any BoundLayer] = []
    // Layer norm, softmax and attention are named first, wherever they are: their reason (no sound
    // relaxation) says more than a refusal of another layer of a transformer would.
    if let k = checkpoint.spec.layers.firstIndex(where: { Self.transformerRefusal($0) != nil }) {
      let spec = checkpoint.spec.layers[k]
      throw AuditError.invalidArgument("\(path): layer \(k + 1) ('\(spec.text)') is not bounded by the robustness audit: "
        + Self.transformerRefusal(spec)!)
    }
    if checkpoint.spec.isSequence {
      var shape = checkpoint.spec.inputShape
      var flattened: [Int]? = nil  // the image a flatten just turned into a vector
      for (position, spec) in checkpoint.spec.layers.enumerated() {
        let justFlattened = flattened
        flattened = nil
        if case .dropout = spec {
          flattened = justFlattened
          continue
        }
        if case .flatten = spec { flattened = shape.count == 3 ? shape : nil }
        let (layer, output) = try Self.boundLayer(spec, position: position, input: shape, flattened: justFlattened, reader: &reader, path: path)
        layers.append(layer)
        shape = output
      }
    } else {
      // A graph (residual add, fan-out): the same layers, run on a vector that carries the values
      // read further down (`GraphLowering`).
      layers = try GraphLowering.layers(of: checkpoint.spec, reader: &reader, path: path)
    }
    try reader.finish()
    try self.init(layers: layers)
    let input = checkpoint.spec.inputShape
    if input.count == 3 { inputImage = ImageShape(channels: input[0], height: input[1], width: input[2]) }
  }

  /// The bound layer of `spec` (layer `position`, from 0) reading a value of shape `shape`, and its
  /// output's shape. `flattened` is the image a flatten just turned into this input, if any (a
  /// dense layer right after one stores its weights `[out, C, H, W]`).
  static func boundLayer(
    _ spec: LayerSpec, position: Int, input shape: [Int], flattened justFlattened: [Int]?, reader: inout CheckpointArrays, path: String
  ) throws(AuditError) -> (any BoundLayer, [Int]) {
    let width = shape.reduce(1, *)
    func image() throws(AuditError) -> ImageShape {
      guard shape.count == 3 else {
        throw AuditError.invalidArgument("\(path): layer \(position + 1) ('\(spec.text)') needs a CxHxW image, its input has shape \(shape)")
      }
      return ImageShape(channels: shape[0], height: shape[1], width: shape[2])
    }
    switch spec {
    case .relu:
      return (ReLULayer(width: width), shape)
    case .dense(let units):
      // Right after a flatten the trainer keeps W shaped [out, C, H, W]: the same row-major [out, in].
      let (w, b) = try reader.next(spec, kind: "dense", shapes: [units] + (justFlattened ?? [width]), [units])
      do {
        return (try DenseLayer(inputWidth: width, outputWidth: units, weights: w.value.scalars, bias: b.value.scalars), [units])
      } catch let .nonFiniteWeight(array, index) {
        throw AuditError.nonFiniteWeight(array: array == "W" ? w.name : b.name, index: index)
      }
    case let .conv2d(channels, kernel, stride, padding):
      let x = try image()
      let (w, b) = try reader.next(spec, kind: "conv2d", shapes: [channels, x.channels, kernel, kernel], [channels])
      let conv = try SparseAffineLayer.conv2d(
        input: x, outChannels: channels, size: kernel, stride: stride, padding: padding, kernel: w.value.scalars, bias: b.value.scalars)
      return (conv.layer, [conv.output.channels, conv.output.height, conv.output.width])
    case let .depthwiseConv2d(kernel, stride, padding):
      let x = try image()
      let (w, b) = try reader.next(spec, kind: "depthwise", shapes: [x.channels, kernel, kernel], [x.channels])
      let conv = try SparseAffineLayer.depthwiseConv2d(
        input: x, size: kernel, stride: stride, padding: padding, kernel: w.value.scalars, bias: b.value.scalars)
      return (conv.layer, [conv.output.channels, conv.output.height, conv.output.width])
    case let .maxpool(kernel, stride):
      let pool = try MaxPoolLayer(input: try image(), size: kernel, stride: stride)
      return (pool, [pool.output.channels, pool.output.height, pool.output.width])
    case let .avgpool(kernel, stride):
      let pool = try SparseAffineLayer.averagePool(input: try image(), size: kernel, stride: stride)
      return (pool.layer, [pool.output.channels, pool.output.height, pool.output.width])
    case .globalAvgpool:
      let x = try image()
      return (SparseAffineLayer.globalAveragePool(input: x), [x.channels])
    case .flatten:
      return (SparseAffineLayer.flatten(width: width), [width])
    case .batchnorm:
      let x = try image()
      let statistics = try reader.batchNorm(spec, channels: x.channels)
      let layer = try SparseAffineLayer.batchNorm(
        input: x, scale: statistics[0], shift: statistics[1], mean: statistics[2], variance: statistics[3], epsilon: BatchNorm.epsilon)
      return (layer, shape)
    case .layernorm, .softmax, .attentionHeads:
      // Refused with the reason: none of them is a monotone function of one value, which is all
      // the relaxations here bound.
      throw AuditError.invalidArgument("\(path): layer \(position + 1) ('\(spec.text)') is not bounded by the robustness audit: "
        + Self.transformerRefusal(spec)!)
    default:
      throw AuditError.unsupportedLayer(position: position + 1, kind: spec.text, tier: "robustness-audit")
    }
  }

  /// Why a transformer layer has no sound bound here, in a sentence; nil for another layer.
  static func transformerRefusal(_ spec: LayerSpec) -> String? {
    switch spec {
    case .layernorm:
      return "layer norm divides each token by the standard deviation of its own features, a joint function of all of them with no sound relaxation implemented"
    case .softmax:
      return "softmax divides by a sum of exponentials of all its inputs, a joint function with no sound relaxation implemented"
    case .attentionHeads:
      return "attention multiplies queries by keys and values by softmax weights, products of two functions of the input with no sound relaxation implemented"
    default:
      return nil
    }
  }

  /// The network in a trainer checkpoint (any layers the audit bounds), an ONNX model (behind its
  /// input normalisation, if any: `init(normalization:before:)`) or a NumPy `.npz` of a dense/ReLU
  /// network (`ModelFile`).
  /// - Throws: `AuditError` for an unreadable file, a file of neither kind, or a network the audit
  ///   cannot bound.
  public init(contentsOf path: String) throws(AuditError) {
    switch try ModelFile(contentsOf: path) {
    case .numpy(let archive): self = try DenseNetwork(archive: archive).layerNetwork
    case .checkpoint(let checkpoint, let normalization):
      let network = try LayerNetwork(checkpoint: checkpoint, path: path)
      if let normalization { self = try LayerNetwork(normalization: normalization, before: network) } else { self = network }
    }
  }
}

/// A checkpoint's arrays read in order, each checked against the layer that owns it.
struct CheckpointArrays {
  let arrays: [Checkpoint.StoredTensor]
  let path: String
  var position = 0

  /// The weight and bias of `layer`, whose rules start with `kind` and end in `.w`/`.W` and `.b`.
  mutating func next(_ layer: LayerSpec, kind: String, shapes weight: [Int], _ bias: [Int]) throws(AuditError)
    -> (Checkpoint.StoredTensor, Checkpoint.StoredTensor)
  {
    let w = try take(layer, rule: { $0.hasPrefix(kind) && $0.lowercased().hasSuffix(".w") }, shape: weight)
    let b = try take(layer, rule: { $0.hasPrefix(kind) && $0.hasSuffix(".b") }, shape: bias)
    return (w, b)
  }

  /// Batch norm's `g`, `b`, running mean `m` and variance `v`, in the trainer's order.
  mutating func batchNorm(_ layer: LayerSpec, channels: Int) throws(AuditError) -> [[Float]] {
    var result: [[Float]] = []
    for rule in ["batchnorm.g", "batchnorm.b", "batchnorm_eval.m", "batchnorm_eval.v"] {
      result.append(try take(layer, rule: { $0 == rule }, shape: [channels]).value.scalars)
    }
    return result
  }

  private mutating func take(_ layer: LayerSpec, rule: (String) -> Bool, shape: [Int]) throws(AuditError) -> Checkpoint.StoredTensor {
    guard position < arrays.count else {
      throw AuditError.wrongArrayCount(found: arrays.count, reason: "layer '\(layer.text)' needs more arrays than \(path) holds")
    }
    let array = arrays[position]
    guard rule(array.rule) else {
      throw AuditError.invalidArgument("\(path): array \(array.name) (rule \(array.rule)) is not a parameter of layer '\(layer.text)'")
    }
    guard array.value.shape == shape else {
      throw AuditError.shapeMismatch(array: array.name, shape: array.value.shape, expected: "(\(shape.map(String.init).joined(separator: ", ")))")
    }
    position += 1
    return array
  }

  func finish() throws(AuditError) {
    guard position == arrays.count else {
      throw AuditError.wrongArrayCount(found: arrays.count, reason: "the layers use \(position); \(path) holds more")
    }
  }
}
