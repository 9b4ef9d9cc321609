public import Certificates
import Foundation

/// A trained model on disk: its spec, every parameter, and the certificates its rules were bound
/// to (Docs/Training.md, "Checkpoint format").
///
/// ```swift
/// try Checkpoint(model: model, training: .init(configuration)).write(to: "mlp.ckpt")
/// let restored = try Checkpoint(contentsOf: "mlp.ckpt").makeModel(certificates: .builtIn)
/// ```
///
/// Loading checks everything — magic, version, header, spec, the names and shapes of the arrays
/// against the spec, the data length and its CRC-32, the certificate hashes — and reports the
/// first problem as `TrainingError.badCheckpoint`; a damaged file never crashes the reader.
public struct Checkpoint: Sendable {
  /// One stored parameter.
  public struct StoredTensor: Equatable, Sendable {
    /// `"dense1.W"`.
    public var name: String
    /// The rule giving its gradient, `"dense.W"`.
    public var rule: String
    public var value: Tensor<Float>

    public init(name: String, rule: String, value: Tensor<Float>) {
      self.name = name
      self.rule = rule
      self.value = value
    }
  }

  /// The recipe a checkpoint was trained with (informational).
  public struct Training: Equatable, Sendable, Codable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// The learning-rate schedule (`LearningRateSchedule.description`; nil in checkpoints
    /// written before schedules, which trained at a constant rate).
    public var schedule: String?
    public var optimizer: String
    public var momentum: Double?
    public var seed: UInt64
    /// Test accuracy after the last epoch, if measured.
    public var testAccuracy: Double?

    public init(_ configuration: TrainingConfiguration, testAccuracy: Double? = nil) {
      epochs = configuration.epochs
      batchSize = configuration.batchSize
      learningRate = configuration.learningRate
      schedule = configuration.schedule.description
      optimizer = configuration.optimizer.name
      if case .sgd(let m) = configuration.optimizer { momentum = m }
      seed = configuration.seed
      self.testAccuracy = testAccuracy
    }

    enum CodingKeys: String, CodingKey {
      case epochs, optimizer, momentum, seed
      case batchSize = "batch_size"
      case learningRate = "learning_rate"
      case schedule = "lr_schedule"
      case testAccuracy = "test_accuracy"
    }
  }

  public var spec: ModelSpec
  /// The parameters in the model's order (with batch norm's running statistics after its own).
  public var arrays: [StoredTensor]
  /// Rule name → SHA-256 (64 lowercase hex digits) of the certified theorem the rule was bound to.
  public var certificates: [String: String]
  public var training: Training?
  /// Where the run stood when this was written, for `certify train --resume` (format version 2;
  /// nil in a checkpoint of version 1 or one written without it).
  public var state: TrainingState?
  /// The model certificate the model was built with (nil in a checkpoint written before model
  /// certificates, or for a model without one: `makeModel` then uses the one built at load).
  public var modelCertificate: ModelCertificate?
  /// The format of the model certificate the checkpoint carried when it is one this program no
  /// longer reads (`ModelCertificate.supersededFormats`): it was set aside, and `makeModel` builds
  /// the model's own in its place.
  public var supersededModelCertificateFormat: String?

  /// The current parameters of `model`, recording the certificates it was built under.
  public init(model: Sequential, training: Training? = nil, state: TrainingState? = nil) {
    spec = model.spec
    arrays = model.storedTensors.map { StoredTensor(name: $0.name, rule: $0.rule, value: $0.value) }
    certificates = model.certificateHashes
    modelCertificate = model.modelCertificate
    self.training = training
    self.state = state
  }

  /// The current parameters of `model` with the given certificate hashes (tests of the format).
  init(model: Sequential, training: Training?, certificates: [String: String]) {
    self.init(model: model, training: training)
    self.certificates = certificates
  }

  /// A model built from the spec holding the stored parameters, over the certificates in `store`,
  /// which must be the ones the checkpoint was trained under.
  ///
  /// The checkpoint's model certificate, when it carries one, must replay through the kernel to
  /// the statement of the spec's schedule; one written before model certificates has none, and
  /// the model's own, built here, stands in (`modelCertificate == nil` tells a caller to say so);
  /// so it does for one written for an older rule set (`supersededModelCertificateRuleSet`).
  ///
  /// - Throws: `CertificationError` when a rule is not certified now; `TrainingError.badCheckpoint`
  ///   when the arrays do not fit the spec, the certificates differ from those recorded, or the
  ///   model certificate does not replay.
  public func makeModel(certificates store: CertificateStore) throws -> Sequential {
    let model: Sequential
    do { model = try Sequential(spec, seed: 0, certificates: store, modelCertificate: currentModelCertificate) } catch let error as ModelCertificateError {
      throw TrainingError.badCheckpoint(path: "<checkpoint>", reason: "its model certificate does not replay: \(error)")
    }
    for (rule, hash) in model.certificateHashes.sorted(by: { $0.key < $1.key }) where certificates[rule] != hash {
      throw TrainingError.badCheckpoint(
        path: "<checkpoint>",
        reason: certificates[rule] == nil
          ? "it records no certificate for rule \(rule)"
          : "it was trained under another certificate of rule \(rule) (\(certificates[rule]!.prefix(12))..., now \(hash.prefix(12))...)")
    }
    try CheckpointFormat.check(arrays.map { ($0.name, $0.value.shape) }, against: model, path: "<checkpoint>")
    for (parameter, array) in zip(model.storedTensors, arrays) { parameter.value = array.value }
    return model
  }

  /// Writes the checkpoint to a regular file, atomically: a partial file never replaces a good
  /// one (`OutputFile`: devices and folders refused, symbolic links followed).
  ///
  /// - Throws: `OutputFileError` when the file cannot be written.
  public func write(to path: String) throws {
    try write(to: OutputFile(path))
  }

  /// Writes the checkpoint to a destination checked earlier (`certify train` checks `--out`
  /// before it trains).
  package func write(to file: OutputFile) throws {
    try file.write(CheckpointFormat.encode(self))
  }

  /// Reads and validates a checkpoint file.
  ///
  /// - Throws: `TrainingError.fileNotFound`, `.unreadable`, or `.badCheckpoint` with the reason.
  public init(contentsOf path: String) throws {
    self = try CheckpointFormat.decode(try Checkpoint.bytes(of: path), path: path)
  }

  /// The bytes of the file at `path`.
  /// - Throws: `TrainingError.fileNotFound` or `.unreadable`.
  static func bytes(of path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else { throw TrainingError.fileNotFound(path: path) }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TrainingError.unreadable(path: path, reason: "cannot read the file")
    }
    return [UInt8](data)
  }

  /// The checkpoint's bytes, as `write(to:)` stores them.
  public func encoded() -> [UInt8] { CheckpointFormat.encode(self) }

  /// Decodes and validates checkpoint bytes; `path` names them in errors.
  ///
  /// - Throws: `TrainingError.badCheckpoint` with the reason.
  public init(decoding bytes: [UInt8], path: String = "<checkpoint>") throws {
    self = try CheckpointFormat.decode(bytes, path: path)
  }
}
