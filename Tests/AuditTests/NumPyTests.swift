import Audit
import Exact
import Foundation
import Testing

/// The fixtures written by NumPy (Fixtures/make_fixtures.py).
private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The 3-4-2 network of the fixtures, in the trainer's [out, in] convention.
private let expectedNetwork: DenseNetwork = {
  let w1 = (0..<12).map { Float($0 - 5) / 8 }  // (3, 4) row-major, NumPy's convention
  let w2 = (0..<8).map { Float($0 - 3) / 8 }  // (4, 2)
  return try! DenseNetwork(layers: [
    DenseLayer(inputWidth: 3, outputWidth: 4, numpyWeights: w1, bias: [1, -1, 0, 2].map { $0 / 8 }),
    DenseLayer(inputWidth: 4, outputWidth: 2, numpyWeights: w2, bias: [0.5, -0.25]),
  ])
}()

/// A `.npy` file with a hand-written header (for malformed cases).
private func npy(header: String, version: UInt8 = 1, data: [UInt8] = []) -> [UInt8] {
  var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
  let length = header.utf8.count
  if version == 1 {
    bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
  } else {
    bytes += [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), 0, 0]
  }
  return bytes + Array(header.utf8) + data
}

/// A network archive of the given arrays, through the Swift writer.
private func archive(_ arrays: [NumPyArray]) throws -> NumPyArchive {
  try NumPyArchive(data: NumPyArchive(arrays: arrays).zipData())
}

private func floats(_ name: String, _ shape: [Int], _ values: [Float]? = nil) -> NumPyArray {
  try! NumPyArray(name: name, shape: shape, elements: .float32(values ?? [Float](repeating: 0.5, count: shape.reduce(1, *))))
}

@Suite struct NumPyTests {
  @Test(arguments: ["mlp-3-4-2.npz", "mlp-3-4-2-compressed.npz", "mlp-3-4-2-float64.npz", "mlp-3-4-2-fortran.npz"])
  func readsWhatNumPyWrites(file: String) throws {
    let network = try DenseNetwork(npz: fixtures.appendingPathComponent(file))
    #expect(network == expectedNetwork)
    #expect(network.widths == [3, 4, 2])
    // W1 (in, out) = (3, 4): W1[i, o] = (4 i + o − 5) / 8 is the trainer's W[o, i].
    #expect(network.layers[0].weight(output: 1, input: 2) == Float(4 * 2 + 1 - 5) / 8)
  }

  @Test func readsNamedDataArrays() throws {
    let data = try NumPyArchive(contentsOf: fixtures.appendingPathComponent("data.npz"))
    #expect(data["images"]?.shape == [2, 3])
    #expect(data["images"]?.elements == .uint8([0, 1, 2, 3, 4, 5]))
    #expect(data["labels"]?.elements == .int64([1, 0]))
  }

  @Test func roundTripsThroughTheSwiftWriter() throws {
    let network = randomNetwork([7, 5, 3], seed: 11)
    let data = network.numpyArchive().zipData()
    #expect(try DenseNetwork(archive: NumPyArchive(data: data)) == network)
  }

  @Test(arguments: [false, true])
  func fortranOrderIsTransposed(fortran: Bool) throws {
    let array = try NumPyArray(name: "a", shape: [2, 3, 2], elements: .float64((0..<12).map(Double.init)))
    let read = try NumPyArray(npy: array.npyData(fortranOrder: fortran), name: "a")
    #expect(read == array)
  }

  @Test func readsVersionTwoAndThreeHeaders() throws {
    for version: UInt8 in [2, 3] {
      let read = try NumPyArray(
        npy: npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", version: version, data: [0, 0, 128, 63, 0, 0, 0, 64]),
        name: "v")
      #expect(read.elements == .float32([1, 2]))
    }
  }

  // MARK: - Errors

  @Test func refusesBadMagicAndVersions() {
    #expect(throws: AuditError.badMagic(array: "x")) { try NumPyArray(npy: Array("PK not npy".utf8), name: "x") }
    var wrong = npy(header: "{}")
    wrong[6] = 4
    #expect(throws: AuditError.unsupportedVersion(array: "x", major: 4, minor: 0)) { try NumPyArray(npy: wrong, name: "x") }
  }

  @Test(arguments: [
    "{'descr': '<f4', 'fortran_order': False}",  // no shape
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
    "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}",
    "['descr', '<f4']",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} trailing",
  ])
  func refusesMalformedHeaders(header: String) {
    #expect {
      try NumPyArray(npy: npy(header: header, data: [UInt8](repeating: 0, count: 8)), name: "h")
    } throws: { error in
      guard case .malformedHeader(array: "h", _) = error as? AuditError else { return false }
      return true
    }
  }

  @Test(arguments: ["<i4", ">f4", ">f8", "<f2", "<c16", "|b1"])
  func refusesOtherDTypes(descr: String) {
    #expect(throws: AuditError.unsupportedDType(array: "d", descr: descr, allowed: NumPyArray.supportedDTypes)) {
      try NumPyArray(npy: npy(header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]), name: "d")
    }
  }

  @Test func refusesIntegerWeights() {
    #expect(throws: AuditError.unsupportedDType(array: "arr_0", descr: "<i8", allowed: ["<f4", "<f8"])) {
      try DenseNetwork(archive: archive([
        try NumPyArray(name: "arr_0", shape: [1, 2], elements: .int64([1, 2])), floats("arr_1", [2]),
      ]))
    }
    // NumPy's own int32 file is refused by the reader already.
    #expect(throws: AuditError.unsupportedDType(array: "arr_0", descr: "<i4", allowed: NumPyArray.supportedDTypes)) {
      try DenseNetwork(npz: fixtures.appendingPathComponent("mlp-int32.npz"))
    }
  }

  @Test func refusesTruncatedAndOverlongData() {
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"
    #expect(throws: AuditError.truncatedData(array: "t", expectedBytes: 32, actualBytes: 31)) {
      try NumPyArray(npy: npy(header: header, data: [UInt8](repeating: 0, count: 31)), name: "t")
    }
    #expect(throws: AuditError.truncatedData(array: "t", expectedBytes: 32, actualBytes: 40)) {
      try NumPyArray(npy: npy(header: header, data: [UInt8](repeating: 0, count: 40)), name: "t")
    }
  }

  @Test func refusesOtherNamesAndCounts() throws {
    #expect(throws: AuditError.unexpectedArrayName("W1", expected: "arr_0, arr_1, ... (numpy.savez(path, W1, b1, W2, b2, ...))")) {
      try DenseNetwork(npz: fixtures.appendingPathComponent("mlp-named.npz"))
    }
    #expect(throws: AuditError.wrongArrayCount(found: 3, reason: "expected an even, non-zero number: W1, b1, W2, b2, ...")) {
      try DenseNetwork(archive: archive([floats("arr_0", [3, 2]), floats("arr_1", [2]), floats("arr_2", [2, 2])]))
    }
    #expect(throws: AuditError.wrongArrayCount(found: 2, reason: "arr_1 is missing")) {
      try DenseNetwork(archive: archive([floats("arr_0", [3, 2]), floats("arr_2", [2])]))
    }
    #expect(throws: AuditError.unexpectedArrayName("arr_01", expected: "arr_0, arr_1, ... (numpy.savez(path, W1, b1, W2, b2, ...))")) {
      try DenseNetwork(archive: archive([floats("arr_0", [3, 2]), floats("arr_01", [2])]))
    }
  }

  @Test func refusesShapesThatDoNotChain() {
    // W2 should be (2, out): the previous layer has 2 outputs.
    #expect(throws: AuditError.shapeMismatch(array: "arr_2", shape: [3, 2], expected: "(2, out): the previous layer has 2 outputs")) {
      try DenseNetwork(archive: archive([floats("arr_0", [3, 2]), floats("arr_1", [2]), floats("arr_2", [3, 2]), floats("arr_3", [2])]))
    }
    #expect(throws: AuditError.shapeMismatch(array: "arr_1", shape: [3], expected: "(2,), the width of arr_0")) {
      try DenseNetwork(archive: archive([floats("arr_0", [3, 2]), floats("arr_1", [3])]))
    }
    #expect(throws: AuditError.shapeMismatch(array: "arr_0", shape: [6], expected: "a 2-D weight matrix (in, out)")) {
      try DenseNetwork(archive: archive([floats("arr_0", [6]), floats("arr_1", [2])]))
    }
    // A layer stored as (out, in), PyTorch's layout, is caught where it is not square.
    #expect(throws: AuditError.shapeMismatch(array: "arr_2", shape: [2, 4], expected: "(4, out): the previous layer has 4 outputs")) {
      try DenseNetwork(archive: archive([floats("arr_0", [3, 4]), floats("arr_1", [4]), floats("arr_2", [2, 4]), floats("arr_3", [2])]))
    }
  }

  @Test func refusesFloat64ValuesWithoutAFloat32Equal() {
    #expect(throws: AuditError.notFloat32(array: "arr_0", index: 1, value: 0.1)) {
      try DenseNetwork(archive: archive([
        try NumPyArray(name: "arr_0", shape: [1, 2], elements: .float64([0.5, 0.1])), floats("arr_1", [2]),
      ]))
    }
    #expect(throws: AuditError.nonFiniteWeight(array: "arr_1", index: 0)) {
      try DenseNetwork(archive: archive([floats("arr_0", [1, 2]), floats("arr_1", [2], [.nan, 0])]))
    }
  }

  @Test func aLongArrayNameIsCutInTheMessage() throws {
    let name = String(repeating: "w", count: 60_000)  // a zip entry's name has at most 65,535 bytes
    #expect {
      try DenseNetwork(archive: archive([floats(name, [1, 2]), floats("arr_1", [2])]))
    } throws: { error in
      let message = "\(error)"
      return message.count < 300 && message.contains(String(repeating: "w", count: 80) + "… (60000 bytes)")
    }
  }

  @Test func refusesBrokenArchives() throws {
    #expect {
      try NumPyArchive(data: Data("not a zip file at all, just some text".utf8))
    } throws: { error in
      guard case .notAnArchive = error as? AuditError else { return false }
      return true
    }
    // Flip one data byte: the CRC-32 catches it.
    var bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("mlp-3-4-2.npz")))
    let data = bytes.indices.first { bytes[$0] == 0x93 }! + 140
    bytes[data] ^= 0xFF
    #expect(throws: AuditError.corruptEntry(name: "arr_0.npy", reason: "CRC-32 mismatch")) {
      try NumPyArchive(data: Data(bytes))
    }
    // Cut the archive short: the end record is gone.
    #expect {
      try NumPyArchive(data: Data(bytes.prefix(bytes.count / 2)))
    } throws: { error in
      guard case .notAnArchive = error as? AuditError else { return false }
      return true
    }
    #expect(throws: AuditError.self) { try NumPyArchive(contentsOf: fixtures.appendingPathComponent("missing.npz")) }
  }

  @Test func refusesBrokenDeflateData() throws {
    // The first member's deflate stream starts after its local header (30 bytes, name, extra);
    // block type 3 is reserved, and zlib says so.
    var bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("mlp-3-4-2-compressed.npz")))
    let start = 30 + Int(bytes[26]) + Int(bytes[27]) << 8 + Int(bytes[28]) + Int(bytes[29]) << 8
    bytes[start] |= 0b110
    #expect(throws: AuditError.corruptEntry(name: "arr_0.npy", reason: "bad deflate data: invalid block type")) {
      try NumPyArchive(data: Data(bytes))
    }
  }

  @Test func errorsSayWhatFailed() {
    #expect(AuditError.truncatedData(array: "arr_0", expectedBytes: 32, actualBytes: 31).description
      == "arr_0: truncated data: 31 bytes, the header calls for 32")
    #expect(AuditError.unsupportedDType(array: "arr_0", descr: ">f4", allowed: ["<f4", "<f8"]).description
      == "arr_0: dtype '>f4' is not supported here (allowed: '<f4', '<f8')")
  }
}
