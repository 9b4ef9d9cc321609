import Foundation

// MARK: - The .npy format

// NumPy's format (numpy/lib/format.py, "NEP 1"): the magic "\x93NUMPY", one byte major and one byte
// minor version, the header length (UInt16 little-endian in version 1.0, UInt32 in 2.0 and 3.0), and
// the header: a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`
// padded with spaces and a newline (Latin-1 text in 1.0 and 2.0, UTF-8 in 3.0). The data follows.

extension NumPyArray {
  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  /// Reads a `.npy` file's bytes.
  ///
  /// - Parameters:
  ///   - bytes: the whole file.
  ///   - name: the array's name, used in errors.
  /// - Throws: `AuditError.badMagic`, `.unsupportedVersion`, `.malformedHeader`,
  ///   `.unsupportedDType` (anything but `NumPyArray.supportedDTypes`, big-endian included),
  ///   `.truncatedData` (too few or too many data bytes).
  public init(npy bytes: [UInt8], name: String) throws(AuditError) {
    guard bytes.count >= 8, Array(bytes[0..<6]) == NumPyArray.magic else {
      throw AuditError.badMagic(array: name)
    }
    let major = Int(bytes[6]), minor = Int(bytes[7])
    guard (1...3).contains(major), minor == 0 else {
      throw AuditError.unsupportedVersion(array: name, major: major, minor: minor)
    }
    let lengthBytes = major == 1 ? 2 : 4
    guard bytes.count >= 8 + lengthBytes else {
      throw AuditError.malformedHeader(array: name, reason: "the file ends inside the header length")
    }
    var headerLength = 0
    for k in (0..<lengthBytes).reversed() { headerLength = headerLength << 8 | Int(bytes[8 + k]) }
    let headerStart = 8 + lengthBytes
    guard bytes.count >= headerStart + headerLength else {
      throw AuditError.malformedHeader(
        array: name, reason: "the header claims \(headerLength) bytes, the file has \(bytes.count - headerStart)")
    }
    let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
    let text: String
    if major == 3 {
      guard let utf8 = String(validating: headerBytes, as: UTF8.self) else {
        throw AuditError.malformedHeader(array: name, reason: "the header is not UTF-8")
      }
      text = utf8
    } else {
      text = String(headerBytes.map { Character(Unicode.Scalar($0)) })  // Latin-1
    }
    let header = try NPYHeader(parsing: text, array: name)

    let dataStart = headerStart + headerLength
    guard let count = NumPyArray.elementCount(of: header.shape) else {
      throw AuditError.malformedHeader(array: name, reason: "the shape \(header.shape) holds more elements than an Int counts")
    }
    let itemSize = header.descr == "|u1" ? 1 : header.descr == "<f4" ? 4 : 8
    let (expected, overflow) = count.multipliedReportingOverflow(by: itemSize)
    let available = bytes.count - dataStart
    guard !overflow, available == expected else {
      throw AuditError.truncatedData(
        array: name, expectedBytes: overflow ? Int.max : expected, actualBytes: available)
    }
    var elements = bytes.withUnsafeBufferPointer { buffer in
      NumPyArray.decode(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[dataStart...])), descr: header.descr, count: count)
    }
    if header.fortranOrder, header.shape.count > 1 {
      elements = NumPyArray.cOrder(elements, fortranShape: header.shape)
    }
    try self.init(name: name, shape: header.shape, elements: elements)
  }

  /// Little-endian elements of `descr` from raw bytes (which need not be aligned).
  private static func decode(_ raw: UnsafeRawBufferPointer, descr: String, count: Int) -> Elements {
    switch descr {
    case "<f4":
      return .float32((0..<count).map {
        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
      })
    case "<f8":
      return .float64((0..<count).map {
        Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
      })
    case "<i8":
      return .int64((0..<count).map {
        Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))
      })
    default:
      return .uint8(Array(raw[0..<count]))
    }
  }

  /// Elements stored in Fortran (column-major) order for `shape`, rearranged into C order.
  private static func cOrder(_ elements: Elements, fortranShape shape: [Int]) -> Elements {
    // Element with C-order index i has multi-index (i_0, ..., i_{d-1}); in Fortran order it is at
    // sum_k i_k * prod_{m<k} shape[m]. The caller has checked that the product of the nonzero
    // extents fits in Int, so no stride overflows.
    let count = elements.count
    var fortranStride = [Int](repeating: 1, count: shape.count)
    for k in 1..<shape.count { fortranStride[k] = fortranStride[k - 1] * shape[k - 1] }
    var source = [Int](repeating: 0, count: count)
    var index = [Int](repeating: 0, count: shape.count)
    for i in 0..<count {
      source[i] = zip(index, fortranStride).reduce(0) { $0 + $1.0 * $1.1 }
      var k = shape.count - 1
      while k >= 0 {  // the next multi-index in C order: the last axis runs fastest
        index[k] += 1
        if index[k] < shape[k] { break }
        index[k] = 0
        k -= 1
      }
    }
    switch elements {
    case let .float32(v): return .float32(source.map { v[$0] })
    case let .float64(v): return .float64(source.map { v[$0] })
    case let .uint8(v): return .uint8(source.map { v[$0] })
    case let .int64(v): return .int64(source.map { v[$0] })
    }
  }
}

// MARK: - The header dictionary

/// The three keys of a `.npy` header, read from its Python dict literal.
struct NPYHeader: Equatable {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]

  /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`: string keys in any
  /// order, each of the three exactly once, no others; a trailing comma allowed.
  init(parsing text: String, array: String) throws(AuditError) {
    var scanner = PythonLiteralScanner(text: text, array: array)
    try scanner.expect("{")
    var descr: String?, fortran: Bool?, shape: [Int]?
    while true {
      if try scanner.consumeIf("}") { break }
      let key = try scanner.string()
      try scanner.expect(":")
      switch key {
      case "descr" where descr == nil:
        guard let value = try scanner.stringIfPresent() else {
          throw AuditError.unsupportedDType(
            array: array, descr: "a structured dtype", allowed: NumPyArray.supportedDTypes)
        }
        descr = value
      case "fortran_order" where fortran == nil:
        fortran = try scanner.boolean()
      case "shape" where shape == nil:
        shape = try scanner.integerTuple()
      default:
        throw AuditError.malformedHeader(array: array, reason: "unexpected or repeated key '\(key)'")
      }
      if try scanner.consumeIf(",") { continue }
      try scanner.expect("}")
      break
    }
    try scanner.expectEnd()
    guard let descr, let fortran, let shape else {
      throw AuditError.malformedHeader(
        array: array, reason: "the header needs the keys 'descr', 'fortran_order' and 'shape'")
    }
    guard NumPyArray.supportedDTypes.contains(descr) else {
      throw AuditError.unsupportedDType(array: array, descr: descr, allowed: NumPyArray.supportedDTypes)
    }
    self.descr = descr
    self.fortranOrder = fortran
    self.shape = shape
  }
}

/// Reads the few Python literals a `.npy` header uses: strings, True/False, tuples of integers.
private struct PythonLiteralScanner {
  let characters: [Character]
  let array: String
  var position = 0

  init(text: String, array: String) {
    characters = Array(text)
    self.array = array
  }

  private func fail(_ what: String) -> AuditError {
    .malformedHeader(array: array, reason: "expected \(what) at offset \(position)")
  }

  private mutating func skipSpace() {
    while position < characters.count, characters[position].isWhitespace { position += 1 }
  }

  mutating func consumeIf(_ token: Character) throws(AuditError) -> Bool {
    skipSpace()
    guard position < characters.count, characters[position] == token else { return false }
    position += 1
    return true
  }

  mutating func expect(_ token: Character) throws(AuditError) {
    guard try consumeIf(token) else { throw fail("'\(token)'") }
  }

  mutating func expectEnd() throws(AuditError) {
    skipSpace()
    guard position == characters.count else { throw fail("the end of the header") }
  }

  mutating func stringIfPresent() throws(AuditError) -> String? {
    skipSpace()
    guard position < characters.count, characters[position] == "'" || characters[position] == "\"" else {
      return nil
    }
    let quote = characters[position]
    position += 1
    var value = ""
    while position < characters.count, characters[position] != quote {
      guard characters[position] != "\\" else { throw fail("a string without escapes") }
      value.append(characters[position])
      position += 1
    }
    guard position < characters.count else { throw fail("a closing quote") }
    position += 1
    return value
  }

  mutating func string() throws(AuditError) -> String {
    guard let value = try stringIfPresent() else { throw fail("a quoted string") }
    return value
  }

  mutating func boolean() throws(AuditError) -> Bool {
    skipSpace()
    for (word, value) in [("True", true), ("False", false)] {
      let end = position + word.count
      if end <= characters.count, String(characters[position..<end]) == word {
        position = end
        return value
      }
    }
    throw fail("True or False")
  }

  mutating func integer() throws(AuditError) -> Int {
    skipSpace()
    let start = position
    while position < characters.count, characters[position].isASCII, characters[position].isNumber {
      position += 1
    }
    // A trailing 'L' is how Python 2 wrote longs; old files may have it.
    let digits = String(characters[start..<position])
    if position < characters.count, characters[position] == "L" { position += 1 }
    guard !digits.isEmpty, let value = Int(digits) else { throw fail("a non-negative integer") }
    return value
  }

  /// `()`, `(n,)`, `(n, m)`, ... with an optional trailing comma.
  mutating func integerTuple() throws(AuditError) -> [Int] {
    try expect("(")
    var values: [Int] = []
    while true {
      if try consumeIf(")") { break }
      values.append(try integer())
      if try consumeIf(",") { continue }
      try expect(")")
      break
    }
    return values
  }
}
