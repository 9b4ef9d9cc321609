internal import CZlib
import Exact
import Foundation

/// The checkpoint file layout (Docs/Training.md, "Checkpoint format"):
///
///     offset 0    8 bytes   magic "CRTFYCKP"
///     offset 8    4 bytes   format version, UInt32 little-endian (1, or 2 with a training state)
///     offset 12   8 bytes   header length H, UInt64 little-endian
///     offset 20   H bytes   header, UTF-8 JSON (keys sorted)
///     offset 20+H           the arrays' Float32 values, little-endian, in header order; version 2
///                           then the optimizer's arrays (Float32) and the training order (UInt32),
///                           to the end
///
/// Version 2 is version 1 with an optional `state` in the header and its data after the
/// parameters; a checkpoint without a state is written as version 1, so older readers still take
/// it, and both versions are read.
enum CheckpointFormat {
  static let magic: [UInt8] = Array("CRTFYCKP".utf8)
  static let version: UInt32 = 2
  static let readableVersions: ClosedRange<UInt32> = 1...2
  static let prefixLength = 20

  struct Header: Codable {
    var format: String
    var spec: String
    var arrays: [ArrayRecord]
    var dataBytes: Int
    var dataCRC32: UInt32
    var certificates: [String: String]
    var training: Checkpoint.Training?
    var state: StateRecord?
    /// The model certificate's document and its SHA-256 (absent in checkpoints written before
    /// model certificates: older readers ignore them, so the format version is unchanged).
    var modelCertificate: String?
    var modelCertificateSHA256: String?

    enum CodingKeys: String, CodingKey {
      case format, spec, arrays, certificates, training, state
      case modelCertificate = "model_certificate"
      case modelCertificateSHA256 = "model_certificate_sha256"
      case dataBytes = "data_bytes"
      case dataCRC32 = "data_crc32"
    }
  }

  /// A `TrainingState` without its arrays, which follow the parameters in the data. The random
  /// states are decimal strings: a JSON number need not hold 64 bits exactly.
  struct StateRecord: Codable {
    var completedEpochs: Int
    /// Absent at an epoch's end (0).
    var completedSteps: Int?
    var partialLoss: Double?
    var examples: Int
    var shuffleState: String
    var dropoutStates: [String: String]
    var optimizer: String
    var optimizerSteps: Int
    var optimizerArrays: [ArrayRecord]
    var kinks: [String: Int]
    var epochs: [EpochReport]

    enum CodingKeys: String, CodingKey {
      case examples, optimizer, kinks, epochs
      case completedEpochs = "completed_epochs"
      case completedSteps = "completed_steps"
      case partialLoss = "partial_loss"
      case shuffleState = "shuffle_state"
      case dropoutStates = "dropout_states"
      case optimizerSteps = "optimizer_steps"
      case optimizerArrays = "optimizer_arrays"
    }
  }

  struct ArrayRecord: Codable {
    var name: String
    var rule: String
    var shape: [Int]
  }

  static let formatName = "certify-checkpoint"

  /// Non-finite numbers in the header (only an epoch report's could be) as the strings
  /// `"inf"`, `"-inf"`, `"nan"`.
  static let nonFinite = (
    encoding: JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"),
    decoding: JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"))

  // MARK: - Writing

  static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
    let state = checkpoint.state
    let floats = checkpoint.arrays + (state?.optimizer.tensors ?? [])
    var data: [UInt8] = []
    data.reserveCapacity(floats.reduce(0) { $0 + 4 * $1.value.count } + 4 * (state?.order.count ?? 0))
    for array in floats {
      array.value.withUnsafeBufferPointer { values in
        for v in values { appendLittleEndian(v.bitPattern, to: &data) }
      }
    }
    for k in state?.order ?? [] { appendLittleEndian(UInt32(k), to: &data) }
    let record = state.map { state in
      StateRecord(
        completedEpochs: state.completedEpochs, completedSteps: state.completedSteps == 0 ? nil : state.completedSteps,
        partialLoss: state.completedSteps == 0 ? nil : state.partialLoss, examples: state.order.count, shuffleState: String(state.shuffleState),
        dropoutStates: state.dropoutStates.mapValues { String($0) }, optimizer: state.optimizer.kind,
        optimizerSteps: state.optimizer.steps,
        optimizerArrays: state.optimizer.tensors.map { ArrayRecord(name: $0.name, rule: $0.rule, shape: $0.value.shape) },
        kinks: state.kinks, epochs: state.epochs)
    }
    let header = Header(
      format: formatName, spec: checkpoint.spec.text,
      arrays: checkpoint.arrays.map { ArrayRecord(name: $0.name, rule: $0.rule, shape: $0.value.shape) },
      dataBytes: data.count, dataCRC32: crc32(data), certificates: checkpoint.certificates,
      training: checkpoint.training, state: record, modelCertificate: checkpoint.modelCertificate?.encoded(),
      modelCertificateSHA256: checkpoint.modelCertificate?.sha256)
    let encoder = JSONEncoder()
    // The epoch reports' rates are finite in practice; a non-finite one must not stop a write.
    encoder.nonConformingFloatEncodingStrategy = nonFinite.encoding
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let json = [UInt8](try! encoder.encode(header))
    var bytes = magic
    appendLittleEndian(state == nil ? 1 : version, to: &bytes)
    appendLittleEndian(UInt64(json.count), to: &bytes)
    return bytes + json + data
  }

  private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { buffer in
      var crc = CZlib.crc32(0, nil, 0)
      var offset = 0
      while offset < buffer.count {  // zlib takes 32-bit lengths
        let chunk = min(buffer.count - offset, 1 << 30)
        crc = CZlib.crc32(crc, buffer.baseAddress! + offset, UInt32(chunk))
        offset += chunk
      }
      return UInt32(crc)
    }
  }

  // MARK: - Reading

  static func decode(_ bytes: [UInt8], path: String) throws -> Checkpoint {
    try decodeAllButModelCertificate(bytes, path: path).finish()
  }

  /// A checkpoint read and checked but for its model certificate's document, which `finish` reads
  /// (the longest part of reading a checkpoint; `certify check --model` writes the spec's
  /// statement meanwhile).
  struct Pending: Sendable {
    var checkpoint: Checkpoint
    let modelCertificate: String?
    let modelCertificateSHA256: String?
    let path: String

    /// The checkpoint with its model certificate read.
    /// - Throws: `TrainingError.badCheckpoint` when the certificate is malformed or does not hash
    ///   to the recorded SHA-256.
    func finish() throws -> Checkpoint {
      var checkpoint = checkpoint
      guard let text = modelCertificate else { return checkpoint }
      let reading: ModelCertificate.Reading
      do { reading = try ModelCertificate.read(text) } catch { throw TrainingError.badCheckpoint(path: path, reason: "\(error)") }
      switch reading {
      case let .superseded(old): checkpoint.supersededModelCertificateFormat = old
      case let .current(certificate):
        guard certificate.sha256 == modelCertificateSHA256 else {
          throw TrainingError.badCheckpoint(path: path, reason: "its model certificate does not hash to the recorded model_certificate_sha256")
        }
        checkpoint.modelCertificate = certificate
      }
      return checkpoint
    }
  }

  /// Reads and checks everything of a checkpoint's bytes but its model certificate's document.
  static func decodeAllButModelCertificate(_ bytes: [UInt8], path: String) throws -> Pending {
    func bad(_ reason: String) -> TrainingError { .badCheckpoint(path: path, reason: reason) }
    guard bytes.count >= prefixLength else {
      throw bad("the file has \(bytes.count) bytes, shorter than the \(prefixLength)-byte prefix")
    }
    guard Array(bytes[0..<8]) == magic else {
      throw bad("not a Certify checkpoint (the file does not start with \"CRTFYCKP\")")
    }
    let fileVersion = readLittleEndian(UInt32.self, bytes, at: 8)
    guard readableVersions.contains(fileVersion) else {
      throw bad("format version \(fileVersion); this build reads versions \(readableVersions.lowerBound) to \(readableVersions.upperBound)")
    }
    let headerLength = readLittleEndian(UInt64.self, bytes, at: 12)
    guard headerLength <= UInt64(bytes.count - prefixLength) else {
      throw bad("the header claims \(headerLength) bytes but only \(bytes.count - prefixLength) follow")
    }
    let dataStart = prefixLength + Int(headerLength)
    let header: Header
    do {
      let decoder = JSONDecoder()
      decoder.nonConformingFloatDecodingStrategy = nonFinite.decoding
      header = try decoder.decode(Header.self, from: Data(bytes[prefixLength..<dataStart]))
    } catch {
      throw bad("the header is not valid: \(describe(error))")
    }
    guard header.format == formatName else {
      throw bad("the header's format is '\(MessageText.cut(header.format))', expected '\(formatName)'")
    }
    if header.state != nil, fileVersion < 2 { throw bad("a version-1 checkpoint has no training state") }
    let spec: ModelSpec
    do {
      spec = try ModelSpec(parsing: header.spec, file: "spec")
    } catch let error as SpecError {
      throw bad("its model spec does not parse: \(error)")
    }
    // Sized from the spec before anything is allocated: a damaged width cannot exhaust memory.
    let found = bytes.count - dataStart
    guard let parameterCount = spec.parameterCount, parameterCount <= Int.max / 4 else {
      throw bad("its spec's parameter count overflows")
    }
    guard 4 * parameterCount <= found else {
      throw bad("truncated: the spec's parameters need \(4 * parameterCount) bytes of data, the file has \(found)")
    }
    let model = Sequential(uncheckedSpec: spec, seed: 0)
    try check(header.arrays.map { ($0.name, $0.shape) }, against: model, path: path)
    let parameterBytes = header.arrays.reduce(0) { $0 + 4 * $1.shape.reduce(1, *) }
    // The state's arrays: each shaped as the parameter it is named after, so their size is
    // bounded by the spec's; the order is one UInt32 per example, bounded by the file.
    var stateBytes = 0
    if let state = header.state {
      for record in state.optimizerArrays {
        guard let owner = model.parameters.first(where: { record.name.hasPrefix($0.name + ".") }), owner.shape == record.shape else {
          throw bad("optimizer array '\(MessageText.cut(record.name))' is not shaped as a parameter it is named after")
        }
        stateBytes += 4 * record.shape.reduce(1, *)
      }
      guard state.examples >= 1, state.examples <= found / 4 else {
        throw bad("its training state claims \(state.examples) examples, which the file cannot hold")
      }
      stateBytes += 4 * state.examples
    }
    let expectedBytes = parameterBytes + stateBytes
    guard header.dataBytes == expectedBytes else {
      throw bad("the header's data_bytes is \(header.dataBytes), but the arrays' shapes need \(expectedBytes)")
    }
    guard found == expectedBytes else {
      throw bad(found < expectedBytes
        ? "truncated: the arrays need \(expectedBytes) bytes of data, the file has \(found)"
        : "\(found - expectedBytes) bytes after the arrays' \(expectedBytes) bytes of data")
    }
    let data = Array(bytes[dataStart...])
    let crc = crc32(data)
    guard crc == header.dataCRC32 else {
      throw bad("the data is corrupted: CRC-32 \(crc) differs from the header's \(header.dataCRC32)")
    }
    let ruleNames = Set(model.ruleNames)
    for (rule, hash) in header.certificates.sorted(by: { $0.key < $1.key }) {
      guard ruleNames.contains(rule) else {
        throw bad("certificate for '\(MessageText.cut(rule))', which is not a rule of this model (\(model.ruleNames.joined(separator: ", ")))")
      }
      guard hash.count == 64, hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
        throw bad("the certificate hash of '\(rule)' is not 64 lowercase hexadecimal digits")
      }
    }
    var offset = 0
    /// The next array's Float32 values, which must all be finite: a NaN weight would make every
    /// loss NaN, and the audits bound finite networks only.
    func readArray(_ record: ArrayRecord) throws -> Checkpoint.StoredTensor {
      var value = Tensor<Float>(zeros: record.shape)
      var bad: Int?
      value.withUnsafeMutableBufferPointer { values in
        for k in values.indices {
          values[k] = Float(bitPattern: readLittleEndian(UInt32.self, data, at: offset + 4 * k))
          if bad == nil, !values[k].isFinite { bad = k }
        }
      }
      if let bad {
        let v = value.scalars[bad]
        throw TrainingError.badCheckpoint(
          path: path, reason: "array '\(MessageText.cut(record.name))' holds \(v.isNaN ? "NaN" : "an infinite value (\(v))") at index \(bad); weights must be finite")
      }
      offset += 4 * value.count
      return Checkpoint.StoredTensor(name: record.name, rule: record.rule, value: value)
    }
    let arrays = try header.arrays.map(readArray)
    var state: TrainingState?
    if let record = header.state {
      let tensors = try record.optimizerArrays.map(readArray)
      let order = (0..<record.examples).map { Int(readLittleEndian(UInt32.self, data, at: offset + 4 * $0)) }
      func random(_ text: String, _ what: String) throws -> UInt64 {
        guard let value = UInt64(text) else { throw bad("its training state's \(what) '\(MessageText.cut(text))' is not a 64-bit unsigned integer") }
        return value
      }
      var dropout: [String: UInt64] = [:]
      for (name, text) in record.dropoutStates { dropout[name] = try random(text, "dropout state of \(MessageText.cut(name))") }
      state = TrainingState(
        completedEpochs: record.completedEpochs, completedSteps: record.completedSteps ?? 0,
        partialLoss: record.partialLoss ?? 0, order: order, shuffleState: try random(record.shuffleState, "shuffle state"),
        dropoutStates: dropout,
        optimizer: OptimizerState(kind: record.optimizer, steps: record.optimizerSteps, tensors: tensors),
        kinks: record.kinks, epochs: record.epochs)
    }
    let checkpoint = Checkpoint(spec: spec, arrays: arrays, certificates: header.certificates, training: header.training, state: state)
    return Pending(checkpoint: checkpoint, modelCertificate: header.modelCertificate, modelCertificateSHA256: header.modelCertificateSHA256, path: path)
  }

  /// The arrays must be the model's parameters: same names, same shapes, same order.
  static func check(_ arrays: [(name: String, shape: [Int])], against model: Sequential, path: String) throws {
    func bad(_ reason: String) -> TrainingError { .badCheckpoint(path: path, reason: reason) }
    let parameters = model.storedTensors
    for (k, parameter) in parameters.enumerated() {
      guard k < arrays.count else { throw bad("array '\(parameter.name)' of the spec is missing") }
      guard arrays[k].name == parameter.name else {
        throw bad("array \(k + 1) is '\(MessageText.cut(arrays[k].name))', but the spec's parameter \(k + 1) is '\(parameter.name)'")
      }
      guard arrays[k].shape == parameter.shape else {
        throw bad("array '\(parameter.name)' has shape \(arrays[k].shape); the spec gives \(parameter.shape)")
      }
    }
    guard arrays.count == parameters.count else {
      throw bad("array '\(MessageText.cut(arrays[parameters.count].name))' is not a parameter of the spec")
    }
  }

  private static func readLittleEndian<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
    var value: T = 0
    for k in (0..<MemoryLayout<T>.size).reversed() { value = value << 8 | T(bytes[offset + k]) }
    return value
  }

  private static func describe(_ error: any Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      return "wrong type at '\(path)'"
    case DecodingError.dataCorrupted: return "not JSON"
    default: return "\(error)"
    }
  }
}

extension Checkpoint {
  /// Memberwise, for the decoder.
  init(spec: ModelSpec, arrays: [StoredTensor], certificates: [String: String], training: Training?, state: TrainingState?) {
    self.spec = spec
    self.arrays = arrays
    self.certificates = certificates
    self.training = training
    self.state = state
  }
}
