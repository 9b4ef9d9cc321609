import Exact

import Intervals
/// A box of inputs `[lower_i, upper_i]` with exact rational bounds: the region a robustness audit
/// bounds the network over.
///
/// The usual region is the L∞ ball of radius ε around an input in pixel space scaled to [0, 1],
/// intersected with [0, 1]: `lower_i = max(0, x_i − ε)`, `upper_i = min(1, x_i + ε)`.
///
/// ```swift
/// let box = try InputBox(pixels: [0, 128, 255], epsilon: Rational(1, 100))
/// box.lower   // [0, 12673/25500, 99/100]
/// ```
public struct InputBox: Sendable, Hashable {
  /// The lower bounds.
  public let lower: [Rational]
  /// The upper bounds.
  public let upper: [Rational]

  /// The box `[lower, upper]`.
  /// - Throws: `AuditError.invalidArgument` when the counts differ or some `lower_i > upper_i`.
  public init(lower: [Rational], upper: [Rational]) throws(AuditError) {
    guard lower.count == upper.count else {
      throw AuditError.invalidArgument("a box needs as many lower as upper bounds (\(lower.count), \(upper.count))")
    }
    if let bad = lower.indices.first(where: { lower[$0] > upper[$0] }) {
      throw AuditError.invalidArgument("box coordinate \(bad): lower bound \(lower[bad]) above upper bound \(upper[bad])")
    }
    self.lower = lower
    self.upper = upper
  }

  /// The L∞ ball of radius `epsilon` around `center`, clipped to [0, 1].
  /// - Throws: `AuditError.invalidArgument` for a negative `epsilon` or a center outside [0, 1].
  public init(center: [Rational], epsilon: Rational) throws(AuditError) {
    guard epsilon >= 0 else { throw AuditError.invalidArgument("ε must be non-negative, not \(epsilon)") }
    if let bad = center.firstIndex(where: { $0 < 0 || $0 > 1 }) {
      throw AuditError.invalidArgument("input \(bad) is \(center[bad]), outside [0, 1]")
    }
    try self.init(
      lower: center.map { $0 - epsilon > 0 ? $0 - epsilon : 0 },
      upper: center.map { $0 + epsilon < 1 ? $0 + epsilon : 1 })
  }

  /// The clipped ball of radius `epsilon` around the image `pixel / 255`.
  /// - Throws: `AuditError.invalidArgument` for a negative `epsilon`.
  public init(pixels: [UInt8], epsilon: Rational) throws(AuditError) {
    self = try PixelBounds(epsilon: epsilon).box(pixels)
  }

  /// The number of coordinates.
  public var count: Int { lower.count }

  /// True when every coordinate of `point` lies in its interval.
  public func contains(_ point: [Rational]) -> Bool {
    point.count == count && point.indices.allSatisfy { lower[$0] <= point[$0] && point[$0] <= upper[$0] }
  }

  /// The corner that takes `upper_i` where bit `i` of `bits` is set and `lower_i` elsewhere.
  public func corner(_ bits: UInt64) -> [Rational] {
    (0..<count).map { $0 < 64 && bits >> UInt64($0) & 1 == 1 ? upper[$0] : lower[$0] }
  }
}

/// The clipped ball's bounds for each of the 256 pixel values at one ε, exactly and as Doubles
/// rounded outward (the lower bound down, the upper bound up).
struct PixelBounds: Sendable {
  let lower: [Rational]
  let upper: [Rational]
  let lowerDouble: [Double]
  let upperDouble: [Double]

  init(epsilon: Rational) throws(AuditError) {
    guard epsilon >= 0 else { throw AuditError.invalidArgument("ε must be non-negative, not \(epsilon)") }
    var lower: [Rational] = [], upper: [Rational] = []
    for p in 0...255 {
      let x = Rational(p, 255)
      lower.append(x - epsilon > 0 ? x - epsilon : 0)
      upper.append(x + epsilon < 1 ? x + epsilon : 1)
    }
    self.lower = lower
    self.upper = upper
    lowerDouble = lower.map(Rounding.down)
    upperDouble = upper.map(Rounding.up)
  }

  /// The exact clipped ball around an image.
  func box<Pixels: Collection<UInt8>>(_ pixels: Pixels) -> InputBox {
    try! InputBox(lower: pixels.map { lower[Int($0)] }, upper: pixels.map { upper[Int($0)] })  // ordered by construction
  }

  /// The balls around images `range` of `data` as one Float64 batch, rounded outward.
  func batch(_ data: AuditDataset, _ range: Range<Int>) -> BoxBatch {
    var lowers: [Double] = [], uppers: [Double] = []
    lowers.reserveCapacity(range.count * data.features)
    uppers.reserveCapacity(range.count * data.features)
    for p in data.pixels[(range.lowerBound * data.features)..<(range.upperBound * data.features)] {
      lowers.append(lowerDouble[Int(p)])
      uppers.append(upperDouble[Int(p)])
    }
    return BoxBatch(count: range.count, width: data.features, lower: lowers, upper: uppers)
  }
}

/// Rationals rounded to Doubles in a chosen direction.
enum Rounding {
  /// The largest Double not above `value`.
  static func down(_ value: Rational) -> Double {
    let nearest = Double(value)  // correctly rounded to nearest, so at most one step away
    guard nearest.isFinite else { return nearest > 0 ? .greatestFiniteMagnitude : -.infinity }
    return try! Rational(exactly: nearest) > value ? nearest.nextDown : nearest
  }

  /// The smallest Double not below `value`.
  static func up(_ value: Rational) -> Double {
    let nearest = Double(value)
    guard nearest.isFinite else { return nearest < 0 ? -.greatestFiniteMagnitude : .infinity }
    return try! Rational(exactly: nearest) < value ? nearest.nextUp : nearest
  }
}
