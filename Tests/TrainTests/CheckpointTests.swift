import Foundation
import Testing
@testable import Train

private let spec = "input 6\ndense 5\nrelu\ndense 3\nloss softmax_cross_entropy\n"

/// A checkpoint of a model built over the repository's certificates (their hashes recorded), or
/// with the given hashes instead.
private func sampleCheckpoint(certificates: [String: String]? = nil) throws -> Checkpoint {
  let model = try Sequential(try ModelSpec(parsing: spec), seed: 21, certificates: testStore)
  let training = Checkpoint.Training(TrainingConfiguration(epochs: 2, seed: 21), testAccuracy: 0.5)
  guard let certificates else { return Checkpoint(model: model, training: training) }
  return Checkpoint(model: model, training: training, certificates: certificates)
}

/// The checkpoint's bytes with `edit` applied, decoded; the error's reason.
private func reason(_ edit: (inout [UInt8]) -> Void) throws -> String {
  var bytes = try sampleCheckpoint(certificates: [:]).encoded()
  edit(&bytes)
  do {
    _ = try Checkpoint(decoding: bytes, path: "x.ckpt")
    return "decoded"
  } catch TrainingError.badCheckpoint(path: "x.ckpt", let reason) {
    return reason
  }
}

/// The header's length and JSON text.
private func header(_ bytes: [UInt8]) -> (length: Int, text: String) {
  let length = (0..<8).reduce(0) { $0 | Int(bytes[12 + $1]) << (8 * $1) }
  return (length, String(decoding: bytes[20..<(20 + length)], as: UTF8.self))
}

/// Replaces the header by `text`, fixing the length field.
private func replaceHeader(_ bytes: inout [UInt8], _ transform: (String) -> String) {
  let (length, text) = header(bytes)
  let new = Array(transform(text).utf8)
  let lengthBytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(new.count) >> (8 * UInt64($0))) }
  bytes = Array(bytes[0..<12]) + lengthBytes + new + Array(bytes[(20 + length)...])
}

@Suite("Checkpoints")
struct CheckpointTests {
  /// A checkpoint records the certificates it was trained under; loading it over other ones is
  /// refused.
  @Test func checkpointOfOtherCertificatesIsRefused() throws {
    var hashes = try sampleCheckpoint().certificates
    #expect(hashes.count == 5)
    hashes["dense.W"] = String(repeating: "ab", count: 32)
    let stale = try sampleCheckpoint(certificates: hashes)
    #expect(throws: TrainingError.self) { try stale.makeModel(certificates: testStore) }
    hashes["dense.W"] = nil
    #expect(throws: TrainingError.self) { try sampleCheckpoint(certificates: hashes).makeModel(certificates: testStore) }
  }

  @Test func roundTripThroughAFile() throws {
    let checkpoint = try sampleCheckpoint()
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("m.ckpt").path
    try checkpoint.write(to: path)
    let loaded = try Checkpoint(contentsOf: path)
    #expect(loaded.spec == checkpoint.spec)
    #expect(loaded.arrays == checkpoint.arrays)
    #expect(loaded.certificates == checkpoint.certificates)
    #expect(loaded.training == checkpoint.training)
    let model = try loaded.makeModel(certificates: testStore)
    #expect(model.parameters.map(\.value) == checkpoint.arrays.map(\.value))
    #expect(loaded.encoded() == checkpoint.encoded())  // deterministic bytes
  }

  @Test func headerIsReadableJSON() throws {
    let (_, text) = header(try sampleCheckpoint().encoded())
    let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    #expect(json["format"] as? String == "certify-checkpoint")
    #expect(json["spec"] as? String == spec)
    #expect((json["arrays"] as? [[String: Any]])?.map { $0["name"] as! String } == ["dense1.W", "dense1.b", "dense2.W", "dense2.b"])
    #expect(json["data_bytes"] as? Int == 4 * (30 + 5 + 15 + 3))
  }

  @Test func corruptedCheckpointsAreRejectedWithTheReason() throws {
    #expect(try reason { $0[0] = UInt8(ascii: "X") } == "not a Certify checkpoint (the file does not start with \"CRTFYCKP\")")
    #expect(try reason { $0 = Array($0[0..<10]) } == "the file has 10 bytes, shorter than the 20-byte prefix")
    #expect(try reason { $0[8] = 3 } == "format version 3; this build reads versions 1 to 2")
    #expect(try reason { $0[8] = 2 } == "decoded")  // version 2 without a state is version 1's layout
    // The top byte of the header length set: 2^56 more than the header's own length.
    let headerLength = try sampleCheckpoint(certificates: [:]).encoded()[12..<20].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    #expect(try reason { $0[19] = 1 }.hasPrefix("the header claims \(UInt64(1) << 56 + headerLength) bytes"))
    #expect(try reason { $0[20] = UInt8(ascii: "x") } == "the header is not valid: not JSON")
    #expect(try reason { $0.removeLast(6) } == "truncated: the spec's parameters need 212 bytes of data, the file has 206")
    #expect(try reason { $0 += [0, 0, 0, 0] } == "4 bytes after the arrays' 212 bytes of data")
    #expect(try reason { $0[$0.count - 5] ^= 0x40 }.hasPrefix("the data is corrupted: CRC-32"))
    #expect(try reason { replaceHeader(&$0) { $0.replacingOccurrences(of: "\"format\"", with: "\"formats\"") } }
      == "the header is not valid: missing key 'format'")
    #expect(try reason { replaceHeader(&$0) { $0.replacingOccurrences(of: "dense 5", with: "dense 4") } }
      == "array 'dense1.W' has shape [5, 6]; the spec gives [4, 6]")
    #expect(try reason { replaceHeader(&$0) { $0.replacingOccurrences(of: "dense 5", with: "dense five") } }
      == "its model spec does not parse: spec:2:7: expected the layer's output width (a positive integer), found 'five'")
    #expect(try reason { replaceHeader(&$0) { $0.replacingOccurrences(of: "dense 5", with: "dense 9999999") } }
      == "truncated: the spec's parameters need 399999972 bytes of data, the file has 212")
    #expect(try reason { replaceHeader(&$0) { $0.replacingOccurrences(of: "dense 5", with: "dense 99999999999") } }
      == "its model spec does not parse: spec:2:7: the layer's output width 99999999999 is above the limit of 16777216")
    #expect(try reason { replaceHeader(&$0) { $0.replacingOccurrences(of: "\"dense1.b\"", with: "\"dense1.bias\"") } }
      == "array 2 is 'dense1.bias', but the spec's parameter 2 is 'dense1.b'")
    #expect(try reason { replaceHeader(&$0) { $0.replacingOccurrences(of: "\"certificates\":{}", with: "\"certificates\":{\"conv.x\":\"00\"}") } }
      == "certificate for 'conv.x', which is not a rule of this model (dense.x, dense.W, dense.b, relu.x, softmax_cross_entropy.z)")
    #expect(try reason { replaceHeader(&$0) { $0.replacingOccurrences(of: "\"certificates\":{}", with: "\"certificates\":{\"relu.x\":\"00\"}") } }
      == "the certificate hash of 'relu.x' is not 64 lowercase hexadecimal digits")
  }

  @Test(arguments: [Float.nan, .infinity, -.infinity])
  func nonFiniteWeightsAreRefusedWithTheTensorsName(value: Float) throws {
    var checkpoint = try sampleCheckpoint()
    checkpoint.arrays[2].value.withUnsafeMutableBufferPointer { $0[4] = value }
    let expected = value.isNaN ? "NaN" : "an infinite value (\(value))"
    #expect(throws: TrainingError.badCheckpoint(path: "n.ckpt", reason: "array 'dense2.W' holds \(expected) at index 4; weights must be finite")) {
      try Checkpoint(decoding: checkpoint.encoded(), path: "n.ckpt")
    }
  }

  @Test func longNamesAreCutInMessages() throws {
    let long = String(repeating: "w", count: 100_000)
    let message = try reason { replaceHeader(&$0) { $0.replacingOccurrences(of: "\"dense1.b\"", with: "\"\(long)\"") } }
    #expect(message.count < 300)
    #expect(message.hasPrefix("array 2 is '" + String(repeating: "w", count: 80) + "… (100000 bytes)'"))
  }

  @Test func everyTruncationIsAnErrorNotACrash() throws {
    let bytes = try sampleCheckpoint().encoded()
    for length in stride(from: 0, to: bytes.count, by: 7) {
      #expect(throws: TrainingError.self) { try Checkpoint(decoding: Array(bytes[0..<length])) }
    }
  }

  @Test func missingFile() {
    #expect(throws: TrainingError.fileNotFound(path: "/nonexistent.ckpt")) { try Checkpoint(contentsOf: "/nonexistent.ckpt") }
  }
}
