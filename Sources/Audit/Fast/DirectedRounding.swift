// Outward steps that cost a few vector operations instead of `nextUp`'s branches.
//
// For `x = fl(v)`, rounded to nearest, `v ≤ x.nextUp` and `v ≥ x.nextDown`. The gap from a finite
// `x` to its upper neighbour is at most `|x| · 2^-52` when that is a normal number, and `η` (the
// smallest subnormal) otherwise, so with `t = fl(fl(|x| · 2^-52) + η)`, which by the monotonicity
// of rounding is at least that gap, `fl(x + t) ≥ x + gap = x.nextUp ≥ v`; likewise downward. The
// results may be one step further out than `nextUp` / `nextDown`. An infinite `x` gives an
// infinite or NaN result, which the callers turn into "no bound".

/// A Double not below any real that rounds to nearest to `x`.
@inline(__always)
func roundedUp(_ x: Double) -> Double { x + (x.magnitude * 0x1p-52 + Double.leastNonzeroMagnitude) }

/// A Double not above any real that rounds to nearest to `x`.
@inline(__always)
func roundedDown(_ x: Double) -> Double { x - (x.magnitude * 0x1p-52 + Double.leastNonzeroMagnitude) }

@inline(__always)
func roundedUp(_ x: SIMD8<Double>) -> SIMD8<Double> {
  x + (magnitude8(x) * SIMD8(repeating: 0x1p-52) + SIMD8(repeating: Double.leastNonzeroMagnitude))
}

@inline(__always)
func roundedDown(_ x: SIMD8<Double>) -> SIMD8<Double> {
  x - (magnitude8(x) * SIMD8(repeating: 0x1p-52) + SIMD8(repeating: Double.leastNonzeroMagnitude))
}
