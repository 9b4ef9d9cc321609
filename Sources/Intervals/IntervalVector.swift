public import Exact
internal import CGMP
internal import CMPFI
internal import CMPFR

/// A contiguous, preallocated array of MPFI intervals, updated in place without allocating.
///
/// `Interval` is a value type: every `a * b` allocates a new MPFI number, which costs more than the
/// multiplication itself. Audits that enclose whole tensors (a 256×784 weight gradient, a batch of
/// activations) keep their intervals here instead: `count` `mpfi_t`s initialized once at
/// `precision` bits, and operations that name their operands by position and write into an element
/// of this vector, like a register machine:
///
/// ```swift
/// let v = IntervalVector(count: 3, precision: 128)   // [0, 0] three times
/// v.set(0, to: Rational(1, 3))                       // the tightest enclosure of 1/3
/// v.set(1, to: 3.0)
/// v.multiply(2, v, 0, v, 1)                          // v[2] = v[0] * v[1], contains 1
/// v.multiplyAccumulate(2, v, 0, v, 0)                // v[2] += v[0] * v[0]
/// v[2]                                               // an `Interval` copy: contains 10/9
/// ```
///
/// Every operation is MPFI's outward-rounded one (or, for the functions MPFI lacks, directed MPFR
/// roundings argued where they are written), so each element always contains the exact result of
/// the operations applied to any points of the operands' elements. Operands may alias the result
/// (`v.add(0, v, 0, v, 0)` doubles `v[0]`).
///
/// Results are rounded to this vector's precision; operands may have any precision.
///
/// Not thread-safe: `multiplyAccumulate` and `dot` use one scratch interval per vector. Threads
/// may write disjoint elements of *different* vectors, or read a vector no one writes.
///
/// - Complexity: each operation is one or two MPFI calls; nothing is allocated after `init`.
public final class IntervalVector: @unchecked Sendable {
  /// The number of elements.
  public let count: Int
  /// The precision of every element, in bits.
  public let precision: Int

  internal let elements: UnsafeMutablePointer<__mpfi_struct>
  /// The product in `multiplyAccumulate` and `dot`, so neither allocates.
  internal let scratch: UnsafeMutablePointer<__mpfi_struct>

  /// `count` intervals `[0, 0]` at `precision` bits.
  /// - Precondition: `count >= 0`; `precision` is in `Interval.precisionRange`.
  public init(count: Int, precision: Int = Interval.defaultPrecision) {
    precondition(count >= 0, "IntervalVector count \(count) is negative")
    precondition(Interval.precisionRange.contains(precision), "IntervalVector precision \(precision) outside \(Interval.precisionRange)")
    self.count = count
    self.precision = precision
    elements = .allocate(capacity: max(count, 1))
    scratch = .allocate(capacity: 1)
    for k in 0..<count {
      mpfi_init2(elements + k, mpfr_prec_t(precision))
      mpfi_set_ui(elements + k, 0)
    }
    mpfi_init2(scratch, mpfr_prec_t(precision))
  }

  /// The intervals of `values`, each enclosed at `precision` bits (exact when it fits).
  public convenience init(_ values: [Interval], precision: Int = Interval.defaultPrecision) {
    self.init(count: values.count, precision: precision)
    for (k, v) in values.enumerated() { set(k, to: v) }
  }

  deinit {
    for k in 0..<count { mpfi_clear(elements + k) }
    mpfi_clear(scratch)
    elements.deallocate()
    scratch.deallocate()
  }

  /// The element at `k`, checked against `count`.
  @inline(__always)
  internal func element(_ k: Int) -> UnsafeMutablePointer<__mpfi_struct> {
    precondition(k >= 0 && k < count, "IntervalVector index \(k) outside 0..<\(count)")
    return elements + k
  }

  /// A copy of element `k` as an `Interval` at this vector's precision (this allocates).
  public subscript(k: Int) -> Interval {
    get {
      let source = element(k)
      return Interval.computing(precision: precision, "IntervalVector.subscript") { mpfi_set($0.pointer, source) }
    }
    set { set(k, to: newValue) }
  }

  /// Every element as an `Interval` (allocates one per element).
  public var intervals: [Interval] { (0..<count).map { self[$0] } }
}

// MARK: - Setting elements

extension IntervalVector {
  /// `self[k] = [0, 0]`.
  public func setZero(_ k: Int) { mpfi_set_ui(element(k), 0) }

  /// Every element `[0, 0]`.
  public func setAllZero() { for k in 0..<count { mpfi_set_ui(elements + k, 0) } }

  /// `self[k] = [value, value]`, exact at 53 bits or more, else the tightest enclosure.
  /// - Precondition: `value` is finite (a non-finite value is the caller's error: check first).
  public func set(_ k: Int, to value: Double) {
    precondition(value.isFinite, "IntervalVector.set: \(value) is not finite")
    mpfi_set_d(element(k), value)
  }

  /// `self[k] = [value, value]`, exact at 24 bits or more, else the tightest enclosure.
  /// - Precondition: `value` is finite.
  public func set(_ k: Int, to value: Float) { set(k, to: Double(value)) }  // Float → Double is exact

  /// `self[k]` = the tightest enclosure of `value`.
  public func set(_ k: Int, to value: Rational) { mpfi_set_q(element(k), value.storage.pointer) }

  /// `self[k]` = `value`, rounded outward to this precision when it has more bits.
  public func set(_ k: Int, to value: Interval) { mpfi_set(element(k), value.storage.pointer) }

  /// `self[k] = [lower, upper]`, rounded outward.
  /// - Precondition: `lower <= upper`, neither NaN.
  public func set(_ k: Int, lower: Double, upper: Double) {
    precondition(lower <= upper, "IntervalVector.set: [\(lower), \(upper)] is not an interval")
    mpfi_interv_d(element(k), lower, upper)
  }

  /// `self[k] = other[j]`, rounded outward to this precision when `other` has more bits.
  public func copy(_ k: Int, from other: IntervalVector, _ j: Int) { mpfi_set(element(k), other.element(j)) }
}

// MARK: - Reading elements

extension IntervalVector {
  /// The lower endpoint of element `k`, exactly. Traps when it is -∞ (see `isBounded`).
  public func lower(_ k: Int) -> Rational { self[k].lower }

  /// The upper endpoint of element `k`, exactly. Traps when it is +∞ (see `isBounded`).
  public func upper(_ k: Int) -> Rational { self[k].upper }

  /// The endpoints of element `k` as Doubles rounded outward (±∞ for unbounded ends or overflow).
  public func doubleBounds(_ k: Int) -> (lower: Double, upper: Double) {
    let e = element(k)
    return (mpfr_get_d(certify_mpfi_left(e), MPFR_RNDD), mpfr_get_d(certify_mpfi_right(e), MPFR_RNDU))
  }

  /// An upper bound of `|x|` over element `k`, as a Double rounded up (+∞ when unbounded).
  public func magnitudeUpperBound(_ k: Int) -> Double {
    let (lo, hi) = doubleBounds(k)
    return Swift.max(-lo, hi)
  }

  /// True when both endpoints of element `k` are finite.
  public func isBounded(_ k: Int) -> Bool {
    let e = element(k)
    return mpfr_number_p(certify_mpfi_left(e)) != 0 && mpfr_number_p(certify_mpfi_right(e)) != 0
  }

  /// True when element `k` is exactly `[0, 0]`.
  public func isZero(_ k: Int) -> Bool {
    let e = element(k)
    return mpfr_zero_p(certify_mpfi_left(e)) != 0 && mpfr_zero_p(certify_mpfi_right(e)) != 0
  }

  /// The sign of every point of element `k`: 1 (all > 0), -1 (all < 0), 0 (exactly `[0, 0]`), or
  /// nil when the element contains 0 and some other number, so the sign is not known.
  public func sign(_ k: Int) -> Int? {
    let e = element(k)
    if certify_mpfr_sgn(certify_mpfi_left(e)) > 0 { return 1 }
    if certify_mpfr_sgn(certify_mpfi_right(e)) < 0 { return -1 }
    return isZero(k) ? 0 : nil
  }

  /// True when `value` lies in element `k`.
  public func contains(_ k: Int, _ value: Rational) -> Bool {
    mpfi_is_inside_q(value.storage.pointer, element(k)) != 0
  }

  /// True when element `k` lies in `[lower, upper]` (every point of it does).
  public func isInside(_ k: Int, lower: Double, upper: Double) -> Bool {
    let e = element(k)
    return mpfr_cmp_d(certify_mpfi_left(e), lower) >= 0 && mpfr_cmp_d(certify_mpfi_right(e), upper) <= 0
  }
}
