public import Certificates
import Foundation
public import Train

/// The trainer model a gradient audit runs: a `Sequential` built over certified rules, holding the
/// weights of a checkpoint or an `.npz`, in evaluation form.
///
/// **Dropout** is removed. In training it multiplies by a fresh random mask each step, so "the"
/// gradient of a batch is not a function of the weights; at evaluation it is the identity. The
/// audit checks the gradient of the network with the identity in its place, which is the
/// deterministic function the trainer's kernels compute when the mask is all ones and `p = 1`.
/// Nothing else changes: dropout holds no parameters, so the parameters keep their names and order.
///
/// Layers without a floating-point error model (`GradientErrorModel`: dense, relu, sigmoid, tanh,
/// the convolutions, pooling and flatten; not batch norm, formula or transformer layers) are audited without an
/// a priori bound: the report says "NO A PRIORI BOUND" for every tensor. Batch norm is audited in
/// training form, the gradient the trainer computes (batch statistics).
public struct GradientAuditModel {
  /// The model, without dropout.
  public let model: Sequential
  /// The positions among the layers (from 1; `input` is not a layer) of the dropout layers removed.
  public let removedDropout: [Int]

  /// The model of a checkpoint, built and checked by `Checkpoint.makeModel` (the checkpoint's
  /// certificate hashes must be the store's), then rebuilt without dropout.
  /// - Throws: `GradientAuditError.invalidModel` with the reason.
  public init(checkpoint: Checkpoint, certificates store: CertificateStore, path: String = "<checkpoint>") throws(GradientAuditError) {
    let full: Sequential
    do { full = try checkpoint.makeModel(certificates: store) } catch {
      throw GradientAuditError.invalidModel("\(path): \(error)")
    }
    var kept: [LayerSpec] = []
    var removed: [Int] = []
    // Dropout is removed (see above).
    for (position, layer) in checkpoint.spec.layers.enumerated() {
      if case .dropout = layer { removed.append(position + 1) } else { kept.append(layer) }
    }
    guard !removed.isEmpty else {
      self.init(model: full, removedDropout: [])
      return
    }
    guard checkpoint.spec.isSequence else {
      // Removing a layer renumbers the values the graph's layers read.
      throw GradientAuditError.invalidModel(
        "\(path): layer \(removed[0]) is dropout in a graph-shaped model; the gradient audit removes dropout from sequences of layers only")
    }
    let spec = ModelSpec(inputWidth: checkpoint.spec.inputWidth, layers: kept, loss: checkpoint.spec.loss)
    let model: Sequential
    do { model = try Sequential(spec, seed: 0, certificates: store) } catch {
      throw GradientAuditError.invalidModel("\(path): \(error)")
    }
    for (target, source) in zip(model.parameters, full.parameters) { target.value = source.value }
    self.init(model: model, removedDropout: removed)
  }

  /// The dense/ReLU classifier of an `.npz` (`DenseNetwork`), as the trainer model `dense, relu,
  /// ..., dense` with loss softmax cross-entropy (the `.npz` holds no loss; classifiers here are
  /// trained with it). Weights are stored `[out, in]` as the trainer keeps them.
  /// - Throws: `GradientAuditError.invalidModel` when a rule is not certified in `store`.
  public init(network: DenseNetwork, certificates store: CertificateStore) throws(GradientAuditError) {
    var layers: [LayerSpec] = []
    for (k, layer) in network.layers.enumerated() {
      layers.append(.dense(units: layer.outputWidth))
      if k < network.layers.count - 1 { layers.append(.relu) }
    }
    let spec = ModelSpec(inputWidth: network.inputWidth, layers: layers, loss: .softmaxCrossEntropy)
    let model: Sequential
    do { model = try Sequential(spec, seed: 0, certificates: store) } catch {
      throw GradientAuditError.invalidModel("\(error)")
    }
    for (k, layer) in network.layers.enumerated() {
      model.parameters[2 * k].value = Tensor(shape: [layer.outputWidth, layer.inputWidth], scalars: layer.weights)
      model.parameters[2 * k + 1].value = Tensor(shape: [layer.outputWidth], scalars: layer.bias)
    }
    self.init(model: model, removedDropout: [])
  }

  /// The model in a checkpoint or `.npz` file (`ModelFile`).
  /// - Throws: `GradientAuditError.invalidModel` naming the file and the problem.
  public init(contentsOf path: String, certificates store: CertificateStore) throws(GradientAuditError) {
    let file: ModelFile
    do { file = try ModelFile(contentsOf: path) } catch { throw GradientAuditError.invalidModel("\(error)") }
    switch file {
    case .numpy(let archive):
      let network: DenseNetwork
      do { network = try DenseNetwork(archive: archive) } catch { throw GradientAuditError.invalidModel("\(error)") }
      try self.init(network: network, certificates: store)
    case .checkpoint(let checkpoint, let normalization):
      // The audited gradient is the trainer's, of its layers; a normalisation in front is no layer
      // the trainer has, so the gradient would be of another function.
      guard normalization == nil else {
        throw GradientAuditError.invalidModel("\(path): the model normalises its input (ONNX Sub/Div before its first layer), which the gradient audit does not read (the trainer has no such layer); the robustness and VNN-LIB audits read it")
      }
      try self.init(checkpoint: checkpoint, certificates: store, path: path)
    }
  }

  init(model: Sequential, removedDropout: [Int]) {
    self.model = model
    self.removedDropout = removedDropout
  }
}

/// The examples of one audited batch, as the trainer sees them: `Float` features (`[B, n]`,
/// images scaled by the trainer's own `Dataset`) and class labels.
public struct GradientBatch: Sendable {
  public let features: [Float]
  public let labels: [Int32]
  public let width: Int
  public var count: Int { labels.count }

  /// Examples `offset ..< offset + size` of `dataset`.
  /// - Throws: `GradientAuditError.data` when they are not all there.
  public init(_ dataset: Dataset, offset: Int = 0, size: Int) throws(GradientAuditError) {
    // Compared by subtraction: `offset + size` may overflow (`--offset 9223372036854775807`).
    guard size >= 1, offset >= 0, offset <= dataset.count, size <= dataset.count - offset else {
      throw GradientAuditError.data("examples from \(offset), \(size) of them, asked for; the data set has \(dataset.count)")
    }
    let all = dataset.prefix(offset + size).featureTensor.scalars
    features = Array(all[(offset * dataset.features)...])
    labels = Array(dataset.labels[offset..<(offset + size)])
    width = dataset.features
  }

  /// Test examples `offset ..< offset + size` of the Fashion-MNIST files in `directory`.
  /// - Throws: `GradientAuditError.data` when the files cannot be read or the examples are not all there.
  public init(fashionMNISTIn directory: String, offset: Int = 0, size: Int) throws(GradientAuditError) {
    let test: Dataset
    do { test = try FashionMNIST.load(.test, from: directory) } catch { throw GradientAuditError.data("\(error)") }
    try self.init(test, offset: offset, size: size)
  }

  /// A batch from explicit values (tests).
  public init(features: [Float], labels: [Int32], width: Int) throws(GradientAuditError) {
    guard width >= 1, !labels.isEmpty, features.count == labels.count * width else {
      throw GradientAuditError.data("\(features.count) features do not make \(labels.count) examples of \(width)")
    }
    guard features.allSatisfy(\.isFinite) else { throw GradientAuditError.data("a feature is not finite") }
    self.features = features
    self.labels = labels
    self.width = width
  }
}
