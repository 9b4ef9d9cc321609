// MARK: - The affine step on boxes

extension FastAffine {
  /// Bounds of `W x + b` for every `x` in each box of `input`, in midpoint-radius form.
  ///
  /// With `x ∈ [c − r, c + r] ⊇ [lo, hi]`, the exact image lies in `W c + b ± |W| r`. BLAS computes
  /// `Ĉ = fl(W c)` and `R̂ = fl(|W| r)`; `|Ĉ − W c| ≤ γ_n |W| |c| + τ_n` and `|W| r ≤ R̂ + γ_n |W| r +
  /// τ_n`, and `|W|(|c| + r) ≤ A M` with `M ≥ max_j (|c_j| + r_j)`. So `E = g M + 2τ_n` (with
  /// `g ≥ γ_n A + ρ`, the slack `ρ` covering rounded folded weights) widens `Ĉ + b ∓ R̂` to a sound
  /// box, each addition rounded outward. An overflow anywhere gives `[−∞, +∞]`.
  func propagate(_ input: BoxBatch, _ workspace: FastWorkspace) -> BoxBatch {
    precondition(input.width == inputWidth, "affine: \(input.width) inputs, the map takes \(inputWidth)")
    let (center, radius, magnitude) = FastAffine.midpointRadius(input, workspace)
    let count = input.count, n = inputWidth, m = outputWidth
    let centerProduct = workspace.buffer(.centerProduct, count: count * m)
    let radiusProduct = workspace.buffer(.radiusProduct, count: count * m)
    weights.withUnsafeBufferPointer { w in
      DoubleMatrix.multiplyTransposed(center, w.baseAddress!, into: centerProduct, m: count, n: m, k: n)
    }
    absoluteWeights.withUnsafeBufferPointer { w in
      DoubleMatrix.multiplyTransposed(radius, w.baseAddress!, into: radiusProduct, m: count, n: m, k: n)
    }
    return FastAffine.outwardBoxes(
      count: count, width: m, centerProduct: centerProduct, radiusProduct: radiusProduct, magnitude: magnitude,
      errorCoefficient: boxErrorCoefficient, tail: error.tail, biasLower: biasLower, biasUpper: biasUpper)
  }

  /// The boxes of `input` in midpoint-radius form `[c − r, c + r] ⊇ [lo, hi]` (in the `.center` and
  /// `.radius` buffers), and per box `M ≥ max_j (|c_j| + r_j)`, NaN when any bound is NaN.
  static func midpointRadius(
    _ input: BoxBatch, _ workspace: FastWorkspace
  ) -> (center: UnsafeMutablePointer<Double>, radius: UnsafeMutablePointer<Double>, magnitude: [Double]) {
    let n = input.width, count = input.count
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
    return (center, radius, magnitude)
  }

  /// `Ĉ + b ∓ R̂` widened by `E = g_i M + 2τ_n` and rounded outward, per box and output; an
  /// overflow gives `[−∞, +∞]`.
  static func outwardBoxes(
    count: Int, width m: Int, centerProduct: UnsafePointer<Double>, radiusProduct: UnsafePointer<Double>, magnitude: [Double],
    errorCoefficient: [Double], tail: Double, biasLower: [Double], biasUpper: [Double]
  ) -> BoxBatch {
    let twoTails = 2 * tail
    var upper: [Double] = []
    let lower = makeArray(count * m) { lower in
      upper = makeArray(count * m) { upper in
        errorCoefficient.withUnsafeBufferPointer { g in
          biasLower.withUnsafeBufferPointer { biasLower in
            biasUpper.withUnsafeBufferPointer { biasUpper in
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
}
