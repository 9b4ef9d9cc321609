/// One NumPy array as read from (or written to) a `.npy` file: a name, a shape and its elements in
/// C (row-major) order.
///
/// The element types are those this module meets: `'<f4'` and `'<f8'` for weights, `'|u1'` and
/// `'<i8'` for image data and labels. Arrays stored in Fortran order are transposed on reading,
/// so `elements` is always row-major.
///
/// ```swift
/// let w = try NumPyArray(npy: bytes, name: "arr_0")   // shape [784, 256], '<f4'
/// w.shape                                              // [784, 256]
/// ```
public struct NumPyArray: Sendable, Equatable {
  /// The elements in C order, by dtype.
  public enum Elements: Sendable, Equatable {
    case float32([Float])
    case float64([Double])
    case uint8([UInt8])
    case int64([Int64])

    /// The number of elements.
    public var count: Int {
      switch self {
      case let .float32(v): v.count
      case let .float64(v): v.count
      case let .uint8(v): v.count
      case let .int64(v): v.count
      }
    }

    /// NumPy's `descr` for the type: `'<f4'`, `'<f8'`, `'|u1'`, `'<i8'`.
    public var descr: String {
      switch self {
      case .float32: "<f4"
      case .float64: "<f8"
      case .uint8: "|u1"
      case .int64: "<i8"
      }
    }

    /// Bytes per element.
    var itemSize: Int {
      switch self {
      case .float32: 4
      case .float64: 8
      case .uint8: 1
      case .int64: 8
      }
    }
  }

  /// The array's name: the archive member without `.npy`, or the caller's label.
  public let name: String
  /// The shape; `[]` for a scalar.
  public let shape: [Int]
  /// The elements in C order; as many as the product of `shape`.
  public let elements: Elements

  /// The descr values the reader accepts.
  public static let supportedDTypes = ["<f4", "<f8", "|u1", "<i8"]

  /// An array from its parts.
  /// - Throws: `AuditError.shapeMismatch` when `shape` does not hold `elements.count` elements.
  public init(name: String, shape: [Int], elements: Elements) throws(AuditError) {
    guard NumPyArray.elementCount(of: shape) == elements.count else {
      throw AuditError.shapeMismatch(
        array: name, shape: shape, expected: "a shape holding its \(elements.count) elements")
    }
    self.name = name
    self.shape = shape
    self.elements = elements
  }

  /// The number of elements.
  public var count: Int { elements.count }

  /// The product of `shape`, or nil for a negative extent or when the product of the nonzero
  /// extents exceeds `Int`: then no partial product, in any order, can overflow where the shape is
  /// used (a shape read from a file may claim anything, and must not trap).
  static func elementCount(of shape: [Int]) -> Int? {
    var product = 1
    for extent in shape where extent != 0 {
      guard extent > 0 else { return nil }
      let (next, overflow) = product.multipliedReportingOverflow(by: extent)
      guard !overflow else { return nil }
      product = next
    }
    return shape.contains(0) ? 0 : product
  }

  /// The elements as Doubles (exactly: every element type converts without rounding except
  /// `'<i8'` beyond 2^53).
  public var doubles: [Double] {
    switch elements {
    case let .float32(v): v.map(Double.init)
    case let .float64(v): v
    case let .uint8(v): v.map(Double.init)
    case let .int64(v): v.map(Double.init)
    }
  }
}
