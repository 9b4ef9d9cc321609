extension NumPyArray {
  /// The array as a `.npy` file, as `numpy.save` writes it: version 1.0 (2.0 when the header
  /// does not fit in 65,535 bytes), the header padded with spaces to a multiple of 64 bytes and
  /// ended by a newline, C order.
  ///
  /// - Parameter fortranOrder: write the data in Fortran (column-major) order and say so in the
  ///   header, as NumPy does for a Fortran-contiguous array.
  public func npyData(fortranOrder: Bool = false) -> [UInt8] {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(elements.descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
    var version: UInt8 = 1
    var lengthBytes = 2
    if header.utf8.count + 12 >= 65_536 {
      version = 2
      lengthBytes = 4
    }
    let unpadded = 6 + 2 + lengthBytes + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var bytes = NumPyArray.magic + [version, 0]
    let length = header.utf8.count
    for k in 0..<lengthBytes { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * k))) }
    bytes += Array(header.utf8)
    let order = fortranOrder && shape.count > 1 ? fortranPermutation() : Array(0..<count)
    switch elements {
    case let .float32(v): for i in order { append(v[i].bitPattern, to: &bytes) }
    case let .float64(v): for i in order { append(v[i].bitPattern, to: &bytes) }
    case let .uint8(v): for i in order { bytes.append(v[i]) }
    case let .int64(v): for i in order { append(UInt64(bitPattern: v[i]), to: &bytes) }
    }
    return bytes
  }

  /// C-order indices listed in Fortran order: the first axis runs fastest.
  private func fortranPermutation() -> [Int] {
    var cStride = [Int](repeating: 1, count: shape.count)
    for k in stride(from: shape.count - 2, through: 0, by: -1) { cStride[k] = cStride[k + 1] * shape[k + 1] }
    var result: [Int] = []
    result.reserveCapacity(count)
    var index = [Int](repeating: 0, count: shape.count)
    for _ in 0..<count {
      result.append(zip(index, cStride).reduce(0) { $0 + $1.0 * $1.1 })
      var k = 0
      while k < shape.count {
        index[k] += 1
        if index[k] < shape[k] { break }
        index[k] = 0
        k += 1
      }
    }
    return result
  }

  private func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }
}
