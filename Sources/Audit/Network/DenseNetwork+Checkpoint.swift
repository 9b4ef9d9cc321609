import Train

extension DenseNetwork {
  /// The dense/ReLU network a trainer checkpoint holds, for a robustness audit.
  ///
  /// The spec must be dense layers with a ReLU after each but the last (`dense, relu, dense, relu,
  /// ..., dense`); dropout is the identity at evaluation and is skipped. The loss does not matter:
  /// the audit bounds the logits' margins. The weights are read as stored (`[out, in]`, the
  /// trainer's convention), so no transposition can go wrong here.
  ///
  /// The checkpoint's certificate hashes are not consulted: they certify the training gradients,
  /// and a robustness audit bounds the function the weights define whatever trained them.
  /// - Throws: `AuditError.invalidArgument` naming the first layer that does not fit, or
  ///   `.shapeMismatch` for an array whose shape disagrees with the spec.
  public init(checkpoint: Checkpoint, path: String = "<checkpoint>") throws(AuditError) {
    var kinds: [String] = []  // "dense" or "relu", dropout removed
    if let k = checkpoint.spec.layers.indices.first(where: { checkpoint.spec.sources(of: $0) != [$0] }) {
      throw AuditError.invalidArgument("\(path): layer \(k + 1) ('\(checkpoint.spec.layers[k].text)') reads another value than the layer before it; the audit takes a chain of layers")
    }
    for (position, layer) in checkpoint.spec.layers.enumerated() {
      switch layer {
      case .dense: kinds.append("dense")
      case .relu: kinds.append("relu")
      case .dropout: continue
      default:
        throw AuditError.invalidArgument(
          "\(path): layer \(position + 1) ('\(layer.text)') is not dense, relu or dropout; the robustness audit bounds dense/ReLU networks")
      }
    }
    for (k, kind) in kinds.enumerated() {
      let expected = k % 2 == 0 ? "dense" : "relu"
      guard kind == expected else {
        throw AuditError.invalidArgument(
          "\(path): the audit needs dense layers with a relu between consecutive ones and none after the last; "
            + "found '\(kind)' where '\(expected)' belongs")
      }
    }
    guard kinds.last == "dense" else {
      throw AuditError.invalidArgument("\(path): the last layer must be dense (its outputs are the logits)")
    }

    let arrays = checkpoint.arrays
    let denseCount = (kinds.count + 1) / 2
    guard arrays.count == 2 * denseCount else {
      throw AuditError.wrongArrayCount(found: arrays.count, reason: "\(denseCount) dense layers need \(2 * denseCount) (W and b of each)")
    }
    var layers: [DenseLayer] = []
    var width = checkpoint.spec.inputWidth
    for k in 0..<denseCount {
      let w = arrays[2 * k], b = arrays[2 * k + 1]
      guard w.rule == "dense.W", b.rule == "dense.b" else {
        throw AuditError.invalidArgument("\(path): arrays \(w.name) and \(b.name) are not a dense layer's W and b")
      }
      guard w.value.shape.count == 2, w.value.shape[1] == width else {
        throw AuditError.shapeMismatch(array: w.name, shape: w.value.shape, expected: "[out, \(width)]")
      }
      let units = w.value.shape[0]
      guard b.value.shape == [units] else {
        throw AuditError.shapeMismatch(array: b.name, shape: b.value.shape, expected: "[\(units)]")
      }
      do {
        layers.append(try DenseLayer(inputWidth: width, outputWidth: units, weights: w.value.scalars, bias: b.value.scalars))
      } catch let .nonFiniteWeight(array, index) {
        throw AuditError.nonFiniteWeight(array: array == "W" ? w.name : b.name, index: index)
      }
      width = units
    }
    try self.init(layers: layers)
  }
}

extension DenseNetwork {
  /// The network in a trainer checkpoint or a NumPy `.npz` file (`ModelFile`).
  /// - Throws: `AuditError` for an unreadable file, a file of neither kind, or weights that do not
  ///   form a dense/ReLU classifier.
  public init(contentsOf path: String) throws(AuditError) {
    switch try ModelFile(contentsOf: path) {
    case .numpy(let archive): try self.init(archive: archive)
    case .checkpoint(let checkpoint, let normalization):
      guard normalization == nil else {
        throw AuditError.invalidArgument("\(path): the model normalises its input (ONNX Sub/Div before its first layer), which a dense network has no layer for; the robustness and VNN-LIB audits read it")
      }
      // A model certificate that does not replay refuses the checkpoint; one without is audited
      // (the bounds need only the weights).
      do { _ = try checkpoint.checkModelCertificate() } catch ModelCertificateError.missing(_) {} catch {
        throw AuditError.invalidArgument("\(path): \(error)")
      }
      try self.init(checkpoint: checkpoint, path: path)
    }
  }
}
