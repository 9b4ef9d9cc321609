import Foundation

/// Reading and writing the tensors of an ONNX file.
///
/// Float32 values are read bit for bit (from `float_data` or little-endian `raw_data`): every
/// binary32 number is a rational, so the exact and MPFI audit tiers see exactly the network that was
/// written.
extension Onnx_TensorProto {
  /// ONNX's element type codes (`TensorProto.DataType`) for the types Certify reads.
  enum ElementType {
    static let float: Int32 = 1
    static let int64: Int32 = 7
  }

  /// The shape as `Int`s.
  var shape: [Int] { dims.map { Int($0) } }

  /// The values of a float32 tensor.
  /// - Throws: a reason (the caller adds the place) for another element type, external data, or a
  ///   value count that is not the shape's.
  func floatValues() throws(TensorReadError) -> [Float] {
    try values(type: ElementType.float, typeName: "float32", width: 4, stored: floatData) { Float(bitPattern: UInt32($0)) }
  }

  /// The values of an int64 tensor (shapes given to `Reshape`).
  func int64Values() throws(TensorReadError) -> [Int64] {
    try values(type: ElementType.int64, typeName: "int64", width: 8, stored: int64Data) { Int64(bitPattern: $0) }
  }

  /// The values from little-endian `raw_data` words of `width` bytes, or from the typed field.
  private func values<T>(type: Int32, typeName: String, width: Int, stored: [T], _ word: (UInt64) -> T) throws(TensorReadError) -> [T] {
    try checkStoredHere()
    guard dataType == type else {
      throw TensorReadError("tensor '\(name)' holds \(Self.typeName(dataType)), not \(typeName)")
    }
    var values = stored
    if !rawData.isEmpty {
      guard rawData.count % width == 0 else { throw TensorReadError("tensor '\(name)' has \(rawData.count) raw bytes, not a multiple of \(width)") }
      values = stride(from: 0, to: rawData.count, by: width).map { offset in
        let bytes = rawData[rawData.startIndex + offset..<rawData.startIndex + offset + width]
        return word(bytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
      }
    }
    try checkCount(values.count)
    return values
  }

  /// A float32 tensor stored as raw little-endian bytes, as exporters write them.
  init(name: String, shape: [Int], floats: [Float]) {
    self.init()
    self.name = name
    dims = shape.map { Int64($0) }
    dataType = ElementType.float
    var bytes = Data(capacity: floats.count * 4)
    for value in floats {
      var bits = value.bitPattern.littleEndian
      withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
    }
    rawData = bytes
  }

  /// An int64 tensor (a `Reshape` target).
  init(name: String, int64s: [Int64]) {
    self.init()
    self.name = name
    dims = [Int64(int64s.count)]
    dataType = ElementType.int64
    int64Data = int64s
  }

  private func checkStoredHere() throws(TensorReadError) {
    if dataLocation == .external {
      throw TensorReadError("tensor '\(name)' is stored in an external file; save the model with its weights inside (onnx.save(model, path, save_as_external_data=False))")
    }
  }

  private func checkCount(_ count: Int) throws(TensorReadError) {
    let expected = shape.reduce(1, *)
    guard count == expected else {
      throw TensorReadError("tensor '\(name)' has \(count) values for shape \(shape) (\(expected) expected)")
    }
  }

  private static func typeName(_ code: Int32) -> String {
    let names: [Int32: String] = [1: "float32", 2: "uint8", 3: "int8", 6: "int32", 7: "int64", 10: "float16", 11: "float64", 16: "bfloat16"]
    return names[code] ?? "element type \(code)"
  }
}

/// Why a tensor could not be read; the importer adds the node it belongs to.
struct TensorReadError: Error {
  let reason: String
  init(_ reason: String) { self.reason = reason }
}
