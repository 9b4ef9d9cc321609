internal import CZlib
import Foundation

/// The checkpoint file layout (Docs/Training.md, "Checkpoint format"):
///
///     offset 0    8 bytes   magic "CRTFYCKP"
///     offset 8    4 bytes   format version, UInt32 little-endian (1)
///     offset 12   8 bytes   header length H, UInt64 little-endian
///     offset 20   H bytes   header, UTF-8 JSON (keys sorted)
///     offset 20+H           the arrays' Float32 values, little-endian, in header order, to the end
enum CheckpointFormat {
  static let magic: [UInt8] = Array("CRTFYCKP".utf8)
  static let version: UInt32 = 1
  static let prefixLength = 20

  struct Header: Codable {
    var format: String
    var spec: String
    var arrays: [ArrayRecord]
    var dataBytes: Int
    var dataCRC32: UInt32
    var certificates: [String: String]
    var training: Checkpoint.Training?

    enum CodingKeys: String, CodingKey {
      case format, spec, arrays, certificates, training
      case dataBytes = "data_bytes"
      case dataCRC32 = "data_crc32"
    }
  }

  struct ArrayRecord: Codable {
    var name: String
    var rule: String
    var shape: [Int]
  }

  static let formatName = "certify-checkpoint"

  // MARK: - Writing

  static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
    var data: [UInt8] = []
    data.reserveCapacity(checkpoint.arrays.reduce(0) { $0 + 4 * $1.value.count })
    for array in checkpoint.arrays {
      array.value.withUnsafeBufferPointer { values in
        for v in values { appendLittleEndian(v.bitPattern, to: &data) }
      }
    }
    let header = Header(
      format: formatName, spec: checkpoint.spec.text,
      arrays: checkpoint.arrays.map { ArrayRecord(name: $0.name, rule: $0.rule, shape: $0.value.shape) },
      dataBytes: data.count, dataCRC32: crc32(data), certificates: checkpoint.certificates,
      training: checkpoint.training)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let json = [UInt8](try! encoder.encode(header))
    var bytes = magic
    appendLittleEndian(version, to: &bytes)
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
    func bad(_ reason: String) -> TrainingError { .badCheckpoint(path: path, reason: reason) }
    guard bytes.count >= prefixLength else {
      throw bad("the file has \(bytes.count) bytes, shorter than the \(prefixLength)-byte prefix")
    }
    guard Array(bytes[0..<8]) == magic else {
      throw bad("not a Certify checkpoint (the file does not start with \"CRTFYCKP\")")
    }
    let fileVersion = readLittleEndian(UInt32.self, bytes, at: 8)
    guard fileVersion == version else {
      throw bad("format version \(fileVersion); this build reads version \(version)")
    }
    let headerLength = readLittleEndian(UInt64.self, bytes, at: 12)
    guard headerLength <= UInt64(bytes.count - prefixLength) else {
      throw bad("the header claims \(headerLength) bytes but only \(bytes.count - prefixLength) follow")
    }
    let dataStart = prefixLength + Int(headerLength)
    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: Data(bytes[prefixLength..<dataStart]))
    } catch {
      throw bad("the header is not valid: \(describe(error))")
    }
    guard header.format == formatName else {
      throw bad("the header's format is '\(header.format)', expected '\(formatName)'")
    }
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
    let expectedBytes = header.arrays.reduce(0) { $0 + 4 * $1.shape.reduce(1, *) }
    guard header.dataBytes == expectedBytes else {
      throw bad("the header's data_bytes is \(header.dataBytes), but the arrays' shapes need \(expectedBytes)")
    }
    guard found == expectedBytes else {
      throw bad("\(found - expectedBytes) bytes after the arrays' \(expectedBytes) bytes of data")
    }
    let data = Array(bytes[dataStart...])
    let crc = crc32(data)
    guard crc == header.dataCRC32 else {
      throw bad("the data is corrupted: CRC-32 \(crc) differs from the header's \(header.dataCRC32)")
    }
    let ruleNames = Set(model.ruleNames)
    for (rule, hash) in header.certificates.sorted(by: { $0.key < $1.key }) {
      guard ruleNames.contains(rule) else {
        throw bad("certificate for '\(rule)', which is not a rule of this model (\(model.ruleNames.joined(separator: ", ")))")
      }
      guard hash.count == 64, hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
        throw bad("the certificate hash of '\(rule)' is not 64 lowercase hexadecimal digits")
      }
    }
    var arrays: [Checkpoint.StoredTensor] = []
    var offset = 0
    for record in header.arrays {
      var value = Tensor<Float>(zeros: record.shape)
      value.withUnsafeMutableBufferPointer { values in
        for k in values.indices {
          values[k] = Float(bitPattern: readLittleEndian(UInt32.self, data, at: offset + 4 * k))
        }
      }
      offset += 4 * value.count
      arrays.append(Checkpoint.StoredTensor(name: record.name, rule: record.rule, value: value))
    }
    return Checkpoint(spec: spec, arrays: arrays, certificates: header.certificates, training: header.training)
  }

  /// The arrays must be the model's parameters: same names, same shapes, same order.
  static func check(_ arrays: [(name: String, shape: [Int])], against model: Sequential, path: String) throws {
    func bad(_ reason: String) -> TrainingError { .badCheckpoint(path: path, reason: reason) }
    let parameters = model.parameters
    for (k, parameter) in parameters.enumerated() {
      guard k < arrays.count else { throw bad("array '\(parameter.name)' of the spec is missing") }
      guard arrays[k].name == parameter.name else {
        throw bad("array \(k + 1) is '\(arrays[k].name)', but the spec's parameter \(k + 1) is '\(parameter.name)'")
      }
      guard arrays[k].shape == parameter.shape else {
        throw bad("array '\(parameter.name)' has shape \(arrays[k].shape); the spec gives \(parameter.shape)")
      }
    }
    guard arrays.count == parameters.count else {
      throw bad("array '\(arrays[parameters.count].name)' is not a parameter of the spec")
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
  init(spec: ModelSpec, arrays: [StoredTensor], certificates: [String: String], training: Training?) {
    self.spec = spec
    self.arrays = arrays
    self.certificates = certificates
    self.training = training
  }
}
