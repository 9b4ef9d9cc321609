internal import CMPFI

extension IntervalVector {
  /// `self[k + t·kStride] += a[i + t·aStride] · b[j + t·bStride]` for `t` in `0..<count`: a dot
  /// product accumulated into one element when `kStride` is 0, a scaled row added to a row otherwise.
  ///
  /// Each product and sum is rounded outward, and exactly-zero factors are skipped, as in
  /// `multiplyAccumulate`, which this is a loop of without a call per term.
  /// - Precondition: every index is inside its vector; with `kStride` 0, `self[k]` is none of the
  ///   operands, and otherwise no destination element is an operand.
  public func multiplyAccumulate(
    _ k: Int, stride kStride: Int, _ a: IntervalVector, _ i: Int, stride aStride: Int,
    _ b: IntervalVector, _ j: Int, stride bStride: Int, count: Int
  ) {
    precondition(count >= 0, "IntervalVector.multiplyAccumulate: negative count \(count)")
    guard count > 0 else { return }
    // The two ends of each strided range are checked once; the loop then reads without checks.
    for (v, start, stride) in [(self, k, kStride), (a, i, aStride), (b, j, bStride)] {
      _ = v.element(start)
      _ = v.element(start + (count - 1) * stride)
    }
    var (e, p, q) = (elements + k, a.elements + i, b.elements + j)
    for _ in 0..<count {
      if !isPointZero(p) && !isPointZero(q) {
        mpfi_mul(scratch, p, q)
        mpfi_add(e, e, scratch)
      }
      e += kStride
      p += aStride
      q += bStride
    }
  }
}
