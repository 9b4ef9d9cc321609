public import ProofKernel

/// An affine index expression at concrete sizes: a constant plus integer multiples of index slots.
///
/// `Lowering` makes one from a kernel `Affine` by substituting every dimension by its size and every
/// index by the slot that holds its value, so a back end evaluates it with a few multiply-adds over
/// an array of slot values, without names or dictionaries.
///
/// ```swift
/// // x[2*i + p - 1] with i in slot 0, p in slot 1:
/// let e = LoweredAffine(constant: -1, slots: [0, 1], coefficients: [2, 1])
/// e.value(values)     // 2 * values[0] + values[1] - 1
/// ```
///
/// Every coefficient and the constant are at most `limit` in magnitude (`Lowering` refuses larger
/// ones), so over index values below 2^31 the wrapping arithmetic of `value` cannot overflow. The
/// exact back ends, which take any `Int` for a free index, lower without the limit and evaluate
/// with `checkedValue`.
public struct LoweredAffine: Hashable, Sendable {
  /// Beyond this magnitude a coefficient or constant is refused.
  public static let limit = 1 << 30

  public let constant: Int
  public let slots: [Int]
  public let coefficients: [Int]
  /// The kernel expression it was lowered from, for messages; not part of its value (equality and
  /// hashing ignore it).
  public let source: Affine?

  public init(constant: Int, slots: [Int], coefficients: [Int], source: Affine? = nil) {
    precondition(slots.count == coefficients.count, "one coefficient per slot")
    self.constant = constant
    self.slots = slots
    self.coefficients = coefficients
    self.source = source
  }

  public static func == (a: LoweredAffine, b: LoweredAffine) -> Bool {
    a.constant == b.constant && a.slots == b.slots && a.coefficients == b.coefficients
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(constant)
    hasher.combine(slots)
    hasher.combine(coefficients)
  }

  /// The value at the slot values `values`, nil when the arithmetic overflows `Int`.
  public func checkedValue(_ values: [Int]) -> Int? {
    var total = constant
    for k in 0..<slots.count {
      let (product, o1) = coefficients[k].multipliedReportingOverflow(by: values[slots[k]])
      let (sum, o2) = total.addingReportingOverflow(product)
      guard !o1, !o2 else { return nil }
      total = sum
    }
    return total
  }

  /// The value at the slot values `values`.
  // Inlinable: the trainer's formula evaluator calls this per index decision of its inner loops.
  @inlinable @inline(__always)
  public func value(_ values: UnsafePointer<Int>) -> Int {
    var total = constant
    for k in 0..<slots.count { total &+= coefficients[k] &* values[slots[k]] }
    return total
  }
}

/// A constraint of a guard at concrete sizes: `expression == 0` or `expression >= 0`.
public struct LoweredConstraint: Hashable, Sendable {
  public let isEquality: Bool
  public let expression: LoweredAffine

  public init(isEquality: Bool, expression: LoweredAffine) {
    self.isEquality = isEquality
    self.expression = expression
  }

  /// The constraint `-1 >= 0`: what a false guard lowers to.
  public static let never = LoweredConstraint(isEquality: false, expression: LoweredAffine(constant: -1, slots: [], coefficients: []))

  /// True when the constraint holds at the slot values `values`.
  @inlinable @inline(__always)
  public func holds(_ values: UnsafePointer<Int>) -> Bool {
    let v = expression.value(values)
    return isEquality ? v == 0 : v >= 0
  }
}
