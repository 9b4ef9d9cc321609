import CZlib
import Foundation
import Testing
@testable import Train

/// Writes `bytes` gzip-compressed through zlib.
private func writeGzip(_ bytes: [UInt8], to path: String) throws {
  let file = try #require(gzopen(path, "wb"))
  let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
  #expect(Int(written) == bytes.count)
  #expect(gzclose(file) == Z_OK)
}

/// An IDX file of unsigned bytes: magic `0x0000080<rank>`, big-endian sizes, then the data.
private func idx(_ dimensions: [Int], _ data: [UInt8]) -> [UInt8] {
  var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
  for d in dimensions { bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: d >> $0) } }
  return bytes + data
}

/// A directory with a small Fashion-MNIST-shaped split: `count` 28×28 images and labels.
private struct SmallSplit {
  let directory: URL
  var path: String { directory.path }

  init(count: Int = 3, labels: [UInt8]? = nil) throws {
    directory = try temporaryDirectory()
    let pixels = (0..<(count * 784)).map { UInt8($0 % 256) }
    for split in ["train", "t10k"] {
      try write(idx([count, 28, 28], pixels), "\(split)-images-idx3-ubyte.gz")
      try write(idx([count], labels ?? (0..<count).map { UInt8($0 % 10) }), "\(split)-labels-idx1-ubyte.gz")
    }
  }

  func write(_ bytes: [UInt8], _ name: String) throws {
    try writeGzip(bytes, to: directory.appendingPathComponent(name).path)
  }

  func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

  func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite("IDX files and Fashion-MNIST loading")
struct IDXTests {
  @Test func readsASmallSplitScaledToTheUnitInterval() throws {
    let split = try SmallSplit(count: 3)
    defer { split.remove() }
    let data = try FashionMNIST.load(.train, from: split.path)
    #expect(data.count == 3 && data.features == 784 && data.classes == 10)
    #expect(data.labels == [0, 1, 2])
    let x = data.featureTensor
    #expect(x.shape == [3, 784])
    #expect(x[0, 0] == 0 && x[0, 255] == 1)
    for (k, value) in x.scalars.enumerated() {  // within an ulp of byte / 255
      let exact = Float(k % 256) / 255
      #expect(abs(value - exact) <= exact.ulp, "pixel \(k): \(value) vs \(exact)")
    }
  }

  @Test func readsUncompressedFilesToo() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let plain = directory.appendingPathComponent("t10k-labels-idx1-ubyte").path
    #expect(FileManager.default.createFile(atPath: plain, contents: Data(idx([2], [7, 8]))))
    #expect(try IDXFile(contentsOf: plain, rank: 1).bytes == [7, 8])
    #expect(FashionMNIST.files(.test, in: directory.path).labels == plain)  // no .gz: the plain file
  }

  @Test func missingFile() throws {
    let split = try SmallSplit()
    defer { split.remove() }
    try FileManager.default.removeItem(atPath: split.file("train-labels-idx1-ubyte.gz"))
    #expect(throws: TrainingError.fileNotFound(path: split.file("train-labels-idx1-ubyte.gz"))) {
      try FashionMNIST.load(.train, from: split.path)
    }
    #expect(throws: TrainingError.fileNotFound(path: "/nonexistent/train-images-idx3-ubyte.gz")) {
      try FashionMNIST.load(.train, from: "/nonexistent")
    }
  }

  @Test func truncatedData() throws {
    let split = try SmallSplit()
    defer { split.remove() }
    let path = split.file("x.gz")
    try writeGzip(Array(idx([3, 28, 28], [UInt8](repeating: 1, count: 3 * 784)).dropLast(100)), to: path)
    #expect(throws: TrainingError.badDataFile(path: path, reason: "truncated: data of shape [3, 28, 28] needs 2352 bytes, the file has 2252")) {
      try IDXFile(contentsOf: path, rank: 3)
    }
    try writeGzip([0, 0, 8, 1, 0, 0], to: path)
    #expect(throws: TrainingError.badDataFile(path: path, reason: "truncated: the 1 dimension sizes needs 4 bytes, the file has 2")) {
      try IDXFile(contentsOf: path, rank: 1)
    }
  }

  @Test func wrongMagicNumbers() throws {
    let split = try SmallSplit()
    defer { split.remove() }
    let path = split.file("x.gz")
    try writeGzip(idx([3], [1, 2, 3]), to: path)
    #expect(throws: TrainingError.badDataFile(path: path, reason: "magic number 0x00000801 is for 1 dimensions; expected 3 (0x00000803)")) {
      try IDXFile(contentsOf: path, rank: 3)
    }
    try writeGzip([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], to: path)
    #expect(throws: TrainingError.badDataFile(path: path, reason: "element type 0xd is not unsigned byte (0x08)")) {
      try IDXFile(contentsOf: path, rank: 1)
    }
    try writeGzip(Array("PK\u{3}\u{4} not idx".utf8), to: path)
    #expect(throws: TrainingError.badDataFile(path: path, reason: "magic number 0x504B0304 does not start with two zero bytes; expected 0x00000801")) {
      try IDXFile(contentsOf: path, rank: 1)
    }
  }

  @Test func trailingBytes() throws {
    let split = try SmallSplit()
    defer { split.remove() }
    let path = split.file("x.gz")
    try writeGzip(idx([2], [1, 2]) + [9], to: path)
    #expect(throws: TrainingError.badDataFile(path: path, reason: "trailing bytes after the 2 bytes of shape [2]")) {
      try IDXFile(contentsOf: path, rank: 1)
    }
  }

  @Test func corruptGzipStream() throws {
    let split = try SmallSplit()
    defer { split.remove() }
    let path = split.file("train-labels-idx1-ubyte.gz")
    var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
    for k in 12..<bytes.count - 8 { bytes[k] ^= 0x5A }  // scramble the deflate stream
    #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    #expect {
      try IDXFile(contentsOf: path, rank: 1)
    } throws: { error in
      guard case TrainingError.badDataFile(path, let reason) = error else { return false }
      return reason.hasPrefix("corrupt gzip data") || reason.hasPrefix("truncated") || reason.hasPrefix("magic")
    }
  }

  @Test func imageAndLabelCountsMustAgree() throws {
    let split = try SmallSplit(count: 3)
    defer { split.remove() }
    try split.write(idx([2], [0, 1]), "train-labels-idx1-ubyte.gz")
    #expect(throws: TrainingError.mismatchedData(
      "\(split.file("train-images-idx3-ubyte.gz")) has 3 images but \(split.file("train-labels-idx1-ubyte.gz")) has 2 labels")) {
      try FashionMNIST.load(.train, from: split.path)
    }
  }

  @Test func imagesMustBe28By28() throws {
    let split = try SmallSplit(count: 1)
    defer { split.remove() }
    try split.write(idx([1, 27, 29], [UInt8](repeating: 0, count: 27 * 29)), "train-images-idx3-ubyte.gz")
    #expect(throws: TrainingError.mismatchedData(
      "\(split.file("train-images-idx3-ubyte.gz")): images are 27×29; Fashion-MNIST's are 28×28")) {
      try FashionMNIST.load(.train, from: split.path)
    }
  }

  @Test func labelsMustBeClasses() throws {
    let split = try SmallSplit(count: 2, labels: [3, 10])
    defer { split.remove() }
    #expect(throws: TrainingError.mismatchedData(
      "\(split.file("train-labels-idx1-ubyte.gz")): label 10 of example 1 is outside 0..<10")) {
      try FashionMNIST.load(.train, from: split.path)
    }
  }

  @Test(.enabled(
    if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory + "/t10k-images-idx3-ubyte.gz"),
    "Fashion-MNIST is not installed at \(FashionMNIST.defaultDirectory) (Debian package dataset-fashion-mnist)"))
  func theRealTestSet() throws {
    let test = try FashionMNIST.load(.test)
    #expect(test.count == 10_000 && test.features == 784)
    #expect((0..<10).allSatisfy { c in test.labels.filter { $0 == c }.count == 1_000 })
    let first = test.prefix(1).featureTensor
    #expect(first.scalars.allSatisfy { 0 <= $0 && $0 <= 1 })
    #expect(test.labels.prefix(3) == [9, 2, 1])  // ankle boot, pullover, trouser
  }
}
