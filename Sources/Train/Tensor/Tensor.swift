/// A dense, row-major tensor of `Float` or `Double` scalars with value semantics.
///
/// The last index varies fastest: a batch of `B` examples of `n` features is a `[B, n]` tensor,
/// a dense layer's weight `W[o, i]` is an `[out, in]` tensor. Copies share storage until one of
/// them is written (copy on write), so passing tensors around costs nothing.
///
/// ```swift
/// var x = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
/// x[1, 2] = 0          // [[1, 2, 3], [4, 5, 0]]
/// let y = x.converted(to: Double.self)
/// ```
public struct Tensor<Scalar: TrainScalar>: Sendable {
  /// The extent of each dimension; `[]` for a scalar.
  public private(set) var shape: [Int]
  var storage: TensorStorage<Scalar>

  /// The number of scalars: the product of the shape.
  public var count: Int { shape.reduce(1, *) }

  /// A tensor of zeros.
  public init(zeros shape: [Int]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    self.shape = shape
    storage = TensorStorage(capacity: shape.reduce(1, *))
  }

  /// A tensor filled with one value.
  public init(shape: [Int], repeating value: Scalar) {
    self.init(zeros: shape)
    storage.pointer.update(repeating: value, count: count)
  }

  /// A tensor holding `scalars` in row-major order.
  ///
  /// - Precondition: `scalars.count` is the product of `shape`.
  public init(shape: [Int], scalars: [Scalar]) {
    self.init(zeros: shape)
    precondition(scalars.count == count, "\(scalars.count) scalars for shape \(shape)")
    scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: count) }
  }

  /// The scalars in row-major order.
  public var scalars: [Scalar] {
    Array(UnsafeBufferPointer(start: storage.pointer, count: count))
  }

  /// The same scalars under another shape with as many elements.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
    var result = self
    result.shape = newShape
    return result
  }

  /// The tensor in another precision (rounded to nearest).
  public func converted<Other: TrainScalar>(to _: Other.Type) -> Tensor<Other> {
    let result = Tensor<Other>(zeros: shape)  // fresh storage, written in place
    for k in 0..<count { result.storage.pointer[k] = Other(storage.pointer[k]) }
    return result
  }

  // MARK: - Access

  /// The position of `index` in row-major order.
  func offset(_ index: [Int]) -> Int {
    precondition(index.count == shape.count, "index \(index) for shape \(shape)")
    var offset = 0
    for (i, n) in zip(index, shape) {
      precondition(0 <= i && i < n, "index \(index) out of shape \(shape)")
      offset = offset * n + i
    }
    return offset
  }

  /// The scalar at a multi-index, e.g. `w[o, i]`.
  public subscript(index: Int...) -> Scalar {
    get { storage.pointer[offset(index)] }
    set {
      let k = offset(index)
      makeUnique()
      storage.pointer[k] = newValue
    }
  }

  /// Calls `body` with the scalars in row-major order.
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
    try body(UnsafeBufferPointer(start: storage.pointer, count: count))
  }

  /// Calls `body` with the scalars in row-major order, for writing.
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
  ) rethrows -> R {
    makeUnique()
    return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
  }

  mutating func makeUnique() {
    if !isKnownUniquelyReferenced(&storage) {
      storage = TensorStorage(copying: storage, count: count)
    }
  }
}

extension Tensor: Equatable {
  /// Equal shapes and equal scalars (so `NaN` makes tensors unequal, as it does numbers).
  public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
    guard lhs.shape == rhs.shape else { return false }
    if lhs.storage === rhs.storage { return !lhs.scalars.contains { $0.isNaN } }
    for k in 0..<lhs.count where lhs.storage.pointer[k] != rhs.storage.pointer[k] { return false }
    return true
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
    return "Tensor\(shape)(\(shown)\(count > 8 ? ", ..." : ""))"
  }
}
