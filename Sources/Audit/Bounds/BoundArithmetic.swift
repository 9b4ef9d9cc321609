import Exact

/// A number system of enclosures: each `Bound` stands for a real number it is known to contain,
/// and every operation's result contains the exact result for every choice of reals in the
/// operands (the inclusion property). The IBP and CROWN of `IntervalBounds` are written once over
/// it and run exactly (`ExactArithmetic`) or in MPFI (`MPFIArithmetic`).
public protocol BoundArithmetic: Sendable {
  /// An enclosure of one real number.
  associatedtype Bound: Sendable

  /// The tightest enclosure of `value` (exact in `ExactArithmetic`).
  func enclosure(_ value: Rational) -> Bound
  /// An enclosure of `[lower, upper]`.
  /// - Precondition: `lower <= upper`.
  func enclosure(lower: Rational, upper: Rational) -> Bound
  /// An enclosure of a Float32 weight (exact in both arithmetics: 24 bits fit in any precision
  /// this module uses).
  func enclosure(_ weight: Float) -> Bound

  func sum(_ a: Bound, _ b: Bound) -> Bound
  func difference(_ a: Bound, _ b: Bound) -> Bound
  func product(_ a: Bound, _ b: Bound) -> Bound
  /// `a / b` for a divisor that does not contain 0.
  func quotient(_ a: Bound, _ b: Bound) -> Bound
  func negation(_ a: Bound) -> Bound
  /// `accumulator += a * b`.
  func addProduct(_ accumulator: inout Bound, _ a: Bound, _ b: Bound)
  /// `{max(0, x) : x ∈ a}`.
  func relu(_ a: Bound) -> Bound

  /// The exact lower endpoint.
  func lower(_ a: Bound) -> Rational
  /// The exact upper endpoint.
  func upper(_ a: Bound) -> Rational
  /// True when every point of `a` is ≥ 0.
  func isNonnegative(_ a: Bound) -> Bool
  /// True when every point of `a` is ≤ 0.
  func isNonpositive(_ a: Bound) -> Bool

  /// `x ↦ W x + b` for a row-major `rows × columns` `W`, prepared once for repeated use, when
  /// the arithmetic has a faster way than term-by-term `addProduct`; nil otherwise.
  func affineMap(rows: Int, columns: Int, weights: [Bound], bias: [Bound]) -> AffineMap<Bound>?
}

/// A prepared affine map on enclosures (`BoundArithmetic.affineMap`).
public struct AffineMap<Bound>: Sendable {
  public let apply: @Sendable ([Bound]) -> [Bound]
  public init(_ apply: @escaping @Sendable ([Bound]) -> [Bound]) { self.apply = apply }
}

extension BoundArithmetic {
  public func affineMap(rows: Int, columns: Int, weights: [Bound], bias: [Bound]) -> AffineMap<Bound>? { nil }

  /// The enclosure of an exact sum `Σ weights_i * values_i + bias` accumulated term by term.
  func affine(_ weights: ArraySlice<Bound>, _ values: [Bound], bias: Bound) -> Bound {
    var sum = bias
    for (w, x) in zip(weights, values) { addProduct(&sum, w, x) }
    return sum
  }
}
