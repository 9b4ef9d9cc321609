// MARK: - Batches of boxes

/// Bounds for a batch of `count` boxes: each array row-major, one row per box.
struct BoxBatch {
  var count: Int
  var width: Int
  var lower: [Double]
  var upper: [Double]
}

/// The bounds a batch computation returns.
struct BatchBounds {
  /// Per hidden layer, `[count, width]` pre-activation bounds (empty unless asked for).
  var hiddenLower: [[Double]] = []
  var hiddenUpper: [[Double]] = []
  /// `[count, classes − 1]` margin bounds for each box's true class.
  var marginLower: [Double] = []
  var marginUpper: [Double] = []
  /// CROWN's own margin lower bounds (CROWN only; NaN where not computed).
  var crownMarginLower: [Double]? = nil
}

/// `max(a, b)` that returns NaN when either is NaN (Swift's `max` may drop a NaN).
@inline(__always)
func maximumPropagatingNaN(_ a: Double, _ b: Double) -> Double {
  a >= b ? a : (b >= a ? b : .nan)
}

/// `max(a, b)` for tightening a lower bound `a` by a candidate `b`: a NaN candidate is ignored.
@inline(__always)
func tightenedLower(_ a: Double, by b: Double) -> Double { b > a ? b : a }

/// `min(a, b)` for tightening an upper bound `a` by a candidate `b`: a NaN candidate is ignored.
@inline(__always)
func tightenedUpper(_ a: Double, by b: Double) -> Double { b < a ? b : a }

/// An uninitialized array of `count` Doubles, filled by `body`.
@inline(__always)
func makeArray(_ count: Int, _ body: (UnsafeMutablePointer<Double>) -> Void) -> [Double] {
  [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
    if count > 0 { body(buffer.baseAddress!) }
    initialized = count
  }
}

// MARK: - The affine step on boxes

extension FastBounds {
  /// Bounds of `W x + b` for every `x` in each box of `input`, in midpoint-radius form.
  ///
  /// With `x ∈ [c − r, c + r] ⊇ [lo, hi]`, the exact image lies in `W c + b ± |W| r`. BLAS computes
  /// `Ĉ = fl(W c)` and `R̂ = fl(|W| r)`; `|Ĉ − W c| ≤ γ_n |W| |c| + τ_n` and `|W| r ≤ R̂ + γ_n |W| r +
  /// τ_n`, and `|W|(|c| + r) ≤ A M` with `M ≥ max_j (|c_j| + r_j)`. So `E = g M + 2τ_n` (with
  /// `g ≥ γ_n A + ρ`, the slack `ρ` covering rounded folded weights) widens `Ĉ + b ∓ R̂` to a sound
  /// box, each addition rounded outward. An overflow anywhere gives `[−∞, +∞]`.
  func affine(_ map: FastAffine, _ input: BoxBatch, _ workspace: FastWorkspace) -> BoxBatch {
    let n = map.inputWidth, m = map.outputWidth, count = input.count
    precondition(input.width == n, "affine: \(input.width) inputs, the map takes \(n)")
    let center = workspace.buffer(.center, count: count * n)
    let radius = workspace.buffer(.radius, count: count * n)
    var magnitude = [Double](repeating: 0, count: count)
    input.lower.withUnsafeBufferPointer { lowerBuffer in
      input.upper.withUnsafeBufferPointer { upperBuffer in
        let lo = lowerBuffer.baseAddress!, hi = upperBuffer.baseAddress!
        for b in 0..<count {
          var largestCenter = SIMD8<Double>(repeating: 0), largestRadius = SIMD8<Double>(repeating: 0)
          var nan = false
          var j = b * n
          let end = (b + 1) * n
          while j + 8 <= end {
            let l = load8(lo, j), h = load8(hi, j)
            let c = 0.5 * (l + h)  // any Double serves as the centre
            let r = roundedUp(h - c).replacing(with: roundedUp(c - l), where: roundedUp(c - l) .> roundedUp(h - c))
            store8(c, center, j)
            store8(r, radius, j)
            largestCenter = largestCenter.replacing(with: magnitude8(c), where: magnitude8(c) .> largestCenter)
            largestRadius = largestRadius.replacing(with: r, where: r .> largestRadius)
            nan = nan || any(r .!= r) || any(c .!= c)
            j += 8
          }
          var largest = largestCenter.max() + largestRadius.max()
          while j < end {
            let c = 0.5 * (lo[j] + hi[j])
            let r = maximumPropagatingNaN(roundedUp(hi[j] - c), roundedUp(c - lo[j]))
            center[j] = c
            radius[j] = r
            nan = nan || r.isNaN || c.isNaN
            largest = maximumPropagatingNaN(largest, c.magnitude + r)
            j += 1
          }
          // M ≥ max |c_j| + max r_j ≥ max (|c_j| + r_j); NaN anywhere leaves no bound.
          magnitude[b] = nan ? .nan : roundedUp(largest)
        }
      }
    }
    let centerProduct = workspace.buffer(.centerProduct, count: count * m)
    let radiusProduct = workspace.buffer(.radiusProduct, count: count * m)
    map.weights.withUnsafeBufferPointer { w in
      DoubleMatrix.multiplyTransposed(center, w.baseAddress!, into: centerProduct, m: count, n: m, k: n)
    }
    map.absoluteWeights.withUnsafeBufferPointer { w in
      DoubleMatrix.multiplyTransposed(radius, w.baseAddress!, into: radiusProduct, m: count, n: m, k: n)
    }
    let twoTails = 2 * map.error.tail
    var upper: [Double] = []
    let lower = makeArray(count * m) { lower in
      upper = makeArray(count * m) { upper in
        map.boxErrorCoefficient.withUnsafeBufferPointer { g in
          map.biasLower.withUnsafeBufferPointer { biasLower in
            map.biasUpper.withUnsafeBufferPointer { biasUpper in
              for b in 0..<count {
                let scale = magnitude[b]
                for i in 0..<m {
                  let k = b * m + i
                  let error = roundedUp(roundedUp(g[i] * scale) + twoTails)
                  let c = centerProduct[k], r = radiusProduct[k]
                  let low = roundedDown(roundedDown(roundedDown(c + biasLower[i]) - r) - error)
                  let high = roundedUp(roundedUp(roundedUp(c + biasUpper[i]) + r) + error)
                  let finite = low.isFinite && high.isFinite
                  lower[k] = finite ? low : -.infinity
                  upper[k] = finite ? high : .infinity
                }
              }
            }
          }
        }
      }
    }
    return BoxBatch(count: count, width: m, lower: lower, upper: upper)
  }

  /// ReLU on boxes: `[max(0, lo), max(0, hi)]` (bounds are never NaN here).
  func relu(_ box: BoxBatch) -> BoxBatch {
    BoxBatch(
      count: box.count, width: box.width,
      lower: box.lower.map { $0 > 0 ? $0 : 0 }, upper: box.upper.map { $0 > 0 ? $0 : 0 })
  }

  /// The margin bounds of each box's true class, from bounds on the last hidden layer's outputs.
  func marginBounds(_ hidden: BoxBatch, labels: ArraySlice<Int>, _ workspace: FastWorkspace) -> (lower: [Double], upper: [Double]) {
    let all = affine(margins, hidden, workspace)
    let rows = classes - 1
    var lower = [Double](repeating: 0, count: hidden.count * rows)
    var upper = lower
    for (b, t) in labels.enumerated() {
      for r in 0..<rows {
        lower[b * rows + r] = all.lower[b * all.width + t * rows + r]
        upper[b * rows + r] = all.upper[b * all.width + t * rows + r]
      }
    }
    return (lower, upper)
  }

  /// IBP for a batch: boxes pushed through each layer, margins through the folded last layer.
  func intervalBoundPropagation(
    _ input: BoxBatch, labels: ArraySlice<Int>, keepHidden: Bool, _ workspace: FastWorkspace
  ) -> BatchBounds {
    var result = BatchBounds()
    var h = input
    for layer in layers.dropLast() {
      let z = affine(layer, h, workspace)
      if keepHidden {
        result.hiddenLower.append(z.lower)
        result.hiddenUpper.append(z.upper)
      }
      h = relu(z)
    }
    (result.marginLower, result.marginUpper) = marginBounds(h, labels: labels, workspace)
    return result
  }
}
