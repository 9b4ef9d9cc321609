public import Exact
internal import CGMP
internal import CMPFI
internal import CMPFR

// In-place arithmetic on elements. The destination is always an element of `self`, named first;
// operands are `(vector, index)` pairs and may be elements of `self`, the destination included.

extension IntervalVector {
  /// `self[k] = a[i] + b[j]`.
  public func add(_ k: Int, _ a: IntervalVector, _ i: Int, _ b: IntervalVector, _ j: Int) {
    mpfi_add(element(k), a.element(i), b.element(j))
  }

  /// `self[k] += a[i]`.
  public func add(_ k: Int, _ a: IntervalVector, _ i: Int) {
    let e = element(k)
    mpfi_add(e, e, a.element(i))
  }

  /// `self[k] = a[i] - b[j]`.
  public func subtract(_ k: Int, _ a: IntervalVector, _ i: Int, _ b: IntervalVector, _ j: Int) {
    mpfi_sub(element(k), a.element(i), b.element(j))
  }

  /// `self[k] = a[i] * b[j]`.
  public func multiply(_ k: Int, _ a: IntervalVector, _ i: Int, _ b: IntervalVector, _ j: Int) {
    mpfi_mul(element(k), a.element(i), b.element(j))
  }

  /// `self[k] = -self[k]` (exact).
  public func negate(_ k: Int) {
    let e = element(k)
    mpfi_neg(e, e)
  }

  /// `self[k] *= value` for a rational `value` (exact when the result fits, else outward).
  public func multiply(_ k: Int, by value: Rational) {
    let e = element(k)
    mpfi_mul_q(e, e, value.storage.pointer)
  }

  /// `self[k] += value` for a rational `value`.
  public func add(_ k: Int, _ value: Rational) {
    let e = element(k)
    mpfi_add_q(e, e, value.storage.pointer)
  }

  /// `self[k] += a[i] * b[j]`, through a scratch interval: no allocation.
  ///
  /// Nothing is done when either factor is exactly `[0, 0]`, which is exact (the product is 0) and
  /// saves the multiplication for the zero pixels of an image or a dead ReLU's outputs.
  public func multiplyAccumulate(_ k: Int, _ a: IntervalVector, _ i: Int, _ b: IntervalVector, _ j: Int) {
    let (x, y) = (a.element(i), b.element(j))
    if isPointZero(x) || isPointZero(y) { return }
    let e = element(k)
    mpfi_mul(scratch, x, y)
    mpfi_add(e, e, scratch)
  }

  /// `self[k] = Σ_{t < length} a[aStart + t·aStride] · b[bStart + t·bStride]` (0 for `length` 0).
  ///
  /// Each product and partial sum is rounded outward, so the result contains the exact dot product
  /// of any points of the operands. Exactly-zero factors are skipped, as in `multiplyAccumulate`.
  /// - Precondition: every index read is inside its vector; `self[k]` is not one of the operands.
  public func dot(
    into k: Int, _ a: IntervalVector, start aStart: Int, stride aStride: Int = 1,
    _ b: IntervalVector, start bStart: Int, stride bStride: Int = 1, length: Int
  ) {
    precondition(length >= 0, "IntervalVector.dot: negative length \(length)")
    for (v, start, stride) in [(a, aStart, aStride), (b, bStart, bStride)] where v === self && length > 0 {
      let (first, last) = (start, start + (length - 1) * stride)
      precondition(k < Swift.min(first, last) || k > Swift.max(first, last), "IntervalVector.dot: the result aliases an operand")
    }
    setZero(k)
    multiplyAccumulate(k, stride: 0, a, aStart, stride: aStride, b, bStart, stride: bStride, count: length)
  }
}

/// True when `x` is exactly `[0, 0]`.
@inline(__always)
internal func isPointZero(_ x: UnsafeMutablePointer<__mpfi_struct>) -> Bool {
  mpfr_zero_p(certify_mpfi_left(x)) != 0 && mpfr_zero_p(certify_mpfi_right(x)) != 0
}
