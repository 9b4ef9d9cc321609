public import Exact
internal import CGMP
internal import CMPFI
internal import CMPFR

/// An affine map `y = A x + c` with interval coefficients, applied to interval vectors without
/// allocating per term: the reason the MPFI tier of an audit can bound a 784×256 layer in
/// milliseconds instead of allocating an `Interval` for each of its 200,000 products.
///
/// Most coefficients of an audited network are points (Float32 weights, exact at any precision of
/// 24 bits or more). For a point `a` the term `a·x` over `x ∈ [l, u]` is least at `a·l` when
/// `a ≥ 0` and at `a·u` otherwise, so each row is two dot products with endpoints picked by the
/// coefficients' signs: the lower one with every product and sum rounded down (`MPFR_RNDD`), the
/// upper one rounded up. Each rounding moves its partial result away from the exact value in the
/// safe direction, so `[lower, upper]` contains `Σ a_j x_j + c_i` for every choice of points,
/// whatever the order of the terms. A coefficient that is not a point (a wide enclosure of a
/// rational) falls back to MPFI's outward-rounded `mpfi_mul` and `mpfi_add` on scratch variables.
///
/// ```swift
/// let map = IntervalLinearMap(rows: 1, columns: 2, coefficients: [Interval(2), Interval(-1)],
///                             constants: [Interval(0)], precision: 128)
/// map.apply([try Interval(lower: 0, upper: 1), Interval(3)])   // [[-3, -1]]
/// ```
public final class IntervalLinearMap: @unchecked Sendable {  // immutable after init
  public let rows: Int
  public let columns: Int
  /// The precision of every result, in bits.
  public let precision: Int

  private let coefficients: UnsafeMutablePointer<__mpfi_struct>  // rows × columns, row-major
  private let constants: UnsafeMutablePointer<__mpfi_struct>
  /// Per coefficient: 1 point ≥ 0 (non-zero), -1 point < 0, 0 exactly zero (skipped), 2 wide.
  private let kinds: UnsafeMutablePointer<Int8>

  /// The map with the given coefficients (row-major `rows × columns`) and constants, computing at
  /// `precision` bits. The coefficients are copied at their own precision, exactly.
  /// - Precondition: the counts fit the shape; `precision` is in `Interval.precisionRange`.
  public init(rows: Int, columns: Int, coefficients values: [Interval], constants offsets: [Interval], precision: Int) {
    precondition(rows >= 0 && columns >= 0 && values.count == rows * columns && offsets.count == rows, "coefficient counts do not fit \(rows)×\(columns)")
    precondition(Interval.precisionRange.contains(precision), "precision \(precision) outside \(Interval.precisionRange)")
    self.rows = rows
    self.columns = columns
    self.precision = precision
    coefficients = .allocate(capacity: max(1, values.count))
    constants = .allocate(capacity: max(1, rows))
    kinds = .allocate(capacity: max(1, values.count))
    for (k, a) in values.enumerated() {
      // A point is stored at the fewest bits that hold it exactly (24 for a Float32 weight): MPFR
      // multiplies one limb by two faster than two by two.
      let bits = a.isPoint ? max(mpfr_prec_t(2), mpfr_min_prec(a.storage.left)) : mpfi_get_prec(a.storage.pointer)
      mpfi_init2(coefficients + k, bits)
      mpfi_set(coefficients + k, a.storage.pointer)  // exact: the value fits in `bits`
      kinds[k] = !a.isPoint ? 2 : mpfr_zero_p(a.storage.left) != 0 ? 0 : mpfr_sgn(a.storage.left) > 0 ? 1 : -1
    }
    for (k, c) in offsets.enumerated() {
      mpfi_init2(constants + k, mpfi_get_prec(c.storage.pointer))
      mpfi_set(constants + k, c.storage.pointer)
    }
  }

  deinit {
    for k in 0..<(rows * columns) { mpfi_clear(coefficients + k) }
    for k in 0..<rows { mpfi_clear(constants + k) }
    coefficients.deallocate()
    constants.deallocate()
    kinds.deallocate()
  }

  /// `A x + c`, each component an enclosure at `precision` bits.
  /// - Precondition: `x.count == columns`.
  public func apply(_ x: [Interval]) -> [Interval] {
    precondition(x.count == columns, "the map takes \(columns) intervals, not \(x.count)")
    let prec = mpfr_prec_t(precision)
    // Scratch, allocated once per call: two accumulators, a product, and an MPFI pair for wide terms.
    let scratch = UnsafeMutablePointer<__mpfr_struct>.allocate(capacity: 3)
    let wide = UnsafeMutablePointer<__mpfi_struct>.allocate(capacity: 2)
    for k in 0..<3 { mpfr_init2(scratch + k, prec) }
    for k in 0..<2 { mpfi_init2(wide + k, prec) }
    defer {
      for k in 0..<3 { mpfr_clear(scratch + k) }
      for k in 0..<2 { mpfi_clear(wide + k) }
      scratch.deallocate()
      wide.deallocate()
    }
    let (low, high, product) = (scratch, scratch + 1, scratch + 2)
    let lefts = x.map(\.storage.left), rights = x.map(\.storage.right)
    var result: [Interval] = []
    result.reserveCapacity(rows)
    withExtendedLifetime(x) {
      for i in 0..<rows {
        mpfr_set(low, certify_mpfi_left(constants + i), MPFR_RNDD)
        mpfr_set(high, certify_mpfi_right(constants + i), MPFR_RNDU)
        let row = i * columns
        for j in 0..<columns {
          let a = coefficients + row + j
          switch kinds[row + j] {
          case 0:
            continue
          case 1:
            accumulate(low, certify_mpfi_left(a), lefts[j], product, MPFR_RNDD)
            accumulate(high, certify_mpfi_left(a), rights[j], product, MPFR_RNDU)
          case -1:
            accumulate(low, certify_mpfi_left(a), rights[j], product, MPFR_RNDD)
            accumulate(high, certify_mpfi_left(a), lefts[j], product, MPFR_RNDU)
          default:
            mpfi_mul(wide, a, x[j].storage.pointer)
            mpfr_add(low, low, certify_mpfi_left(wide), MPFR_RNDD)
            mpfr_add(high, high, certify_mpfi_right(wide), MPFR_RNDU)
          }
        }
        result.append(Interval.computing(precision: precision, "IntervalLinearMap.apply") { out in
          mpfr_set(out.left, low, MPFR_RNDD)
          mpfr_set(out.right, high, MPFR_RNDU)
        })
      }
    }
    return result
  }
}

/// `sum += a · x` rounded in `direction`; nothing to do when `x` is exactly 0 (half the pixels of
/// an image, and every dead ReLU's output, are).
@inline(__always)
private func accumulate(
  _ sum: UnsafeMutablePointer<__mpfr_struct>, _ a: UnsafeMutablePointer<__mpfr_struct>, _ x: UnsafeMutablePointer<__mpfr_struct>,
  _ product: UnsafeMutablePointer<__mpfr_struct>, _ direction: mpfr_rnd_t
) {
  if mpfr_zero_p(x) != 0 { return }
  mpfr_mul(product, a, x, direction)
  mpfr_add(sum, sum, product, direction)
}
