public import Exact

/// The value of one tensor at concrete sizes: its shape and its entries in row-major order.
///
/// Reading outside the shape gives 0, the zero extension that gives padding its meaning.
///
/// ```swift
/// let x = try TensorValue(shape: [3], values: [1, 2, 3])
/// x.value(at: [1])   // 2
/// x.value(at: [3])   // 0 (outside the shape)
/// ```
public struct TensorValue: Equatable, Sendable {
  /// The extent of each axis.
  public let shape: [Int]
  /// The entries, last axis fastest; `values.count` is the product of `shape`.
  public let values: [Rational]

  /// A tensor of the given shape and row-major entries.
  /// - Throws: `EvaluationError.malformedTensorValue` when an extent is negative or the number of
  ///   entries is not the product of the extents.
  public init(shape: [Int], values: [Rational]) throws {
    guard shape.allSatisfy({ $0 >= 0 }), TensorValue.count(of: shape) == values.count else {
      throw EvaluationError.malformedTensorValue(shape: shape, count: values.count)
    }
    self.shape = shape
    self.values = values
  }

  /// A tensor whose entry at each multi-index (visited in row-major order) is `entry(index)`.
  /// - Throws: `EvaluationError.malformedTensorValue` for a negative extent, or what `entry` throws.
  public init(shape: [Int], entry: ([Int]) throws -> Rational) throws {
    guard shape.allSatisfy({ $0 >= 0 }), TensorValue.count(of: shape) != nil else {
      throw EvaluationError.malformedTensorValue(shape: shape, count: 0)
    }
    var values: [Rational] = []
    var index = [Int](repeating: 0, count: shape.count)
    if !shape.contains(0) {
      repeat {
        values.append(try entry(index))
      } while TensorValue.advance(&index, within: shape)
    }
    self.shape = shape
    self.values = values
  }

  /// A rank-0 tensor holding one value.
  public init(scalar: Rational) {
    shape = []
    values = [scalar]
  }

  /// The entry at `indices`, or 0 when an index is outside `0 ..< shape[k]` (zero extension).
  /// - Precondition: as many indices as axes.
  public func value(at indices: [Int]) -> Rational {
    precondition(indices.count == shape.count, "\(indices.count) indices for a tensor of rank \(shape.count)")
    var offset = 0
    for (k, n) in zip(indices, shape) {
      guard k >= 0, k < n else { return Rational(0) }
      offset = offset * n + k
    }
    return values[offset]
  }

  /// The number of entries of a shape, nil when it overflows.
  static func count(of shape: [Int]) -> Int? {
    var product = 1
    for n in shape {
      let (p, overflow) = product.multipliedReportingOverflow(by: n)
      if overflow { return nil }
      product = p
    }
    return product
  }

  /// Steps `index` to the next multi-index in row-major order; false after the last one.
  static func advance(_ index: inout [Int], within shape: [Int]) -> Bool {
    var axis = shape.count - 1
    while axis >= 0 {
      index[axis] += 1
      if index[axis] < shape[axis] { return true }
      index[axis] = 0
      axis -= 1
    }
    return false
  }
}
