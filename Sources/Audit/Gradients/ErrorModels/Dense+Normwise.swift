import Train

/// A dense map on rows, `y_row = W x_row + b` (`W` is `[m, n]`), norm-wise: the error of an output
/// row is at most `‖W‖₂` times its input row's plus the row's rounding, which is bounded entrywise
/// as in the entrywise model, `γ_{n+1} (Σ_i |W_oi| X̄_i + |b_o|) + τ_{n+1}`; backward
/// `‖W‖₂ N_dy` plus `γ_m Σ_o |W_oi| D̄_o + τ_m` per input entry (`X̄ = |x| + E_x`, `D̄ = |dy| + E_dy`).
enum DenseRows {
  static func forwardNorms(_ w: [Float], _ bias: [Float], n: Int, m: Int, magnitudes: [Double], errors: [Double], norms: [Double]) -> [Double] {
    typealias B = GradientErrorBound
    let spectral = SpectralNorm.upperBound(w, rows: m, columns: n)
    let a = w.map { Double(abs($0)) }, b = bias.map { Double(abs($0)) }
    let rows = errors.count / n
    let g = B.gamma(n + 1), t = B.tau(n + 1)
    var rounding = Array(repeating: 0.0, count: rows * m)
    for r in 0..<rows {
      let x = (0..<n).map { magnitudes[r * n + $0] + errors[r * n + $0] }
      for o in 0..<m {
        var size = b[o]
        for i in 0..<n { size += a[o * n + i] * x[i] }
        rounding[r * m + o] = (g * size + t) * B.safety
      }
    }
    return Normwise.affine(spectral, norms, rounding: rounding, row: m)
  }

  static func backwardNorms(_ w: [Float], n: Int, m: Int, seed: [Double], dy: [Double], dyNorms: [Double]) -> [Double] {
    typealias B = GradientErrorBound
    let spectral = SpectralNorm.upperBound(w, rows: m, columns: n)
    let a = w.map { Double(abs($0)) }
    let rows = dy.count / m
    let g = B.gamma(m), t = B.tau(m)
    var rounding = Array(repeating: 0.0, count: rows * n)
    for r in 0..<rows {
      for o in 0..<m {
        let d = seed[r * m + o] + dy[r * m + o]
        for i in 0..<n { rounding[r * n + i] += a[o * n + i] * d }
      }
    }
    rounding = rounding.map { (g * $0 + t) * B.safety }
    return Normwise.affine(spectral, dyNorms, rounding: rounding, row: n)
  }
}

extension Dense: NormwiseErrorModel {
  func forwardNorms(at k: Int, input: [Double], inputNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    DenseRows.forwardNorms(parameters[0].value.scalars, parameters[1].value.scalars, n: p.widths[k], m: p.widths[k + 1],
                           magnitudes: p.magnitudes[k], errors: input, norms: inputNorms)
  }

  func backwardNorms(at k: Int, dy: [Double], dyNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    DenseRows.backwardNorms(parameters[0].value.scalars, n: p.widths[k], m: p.widths[k + 1], seed: p.seedMagnitudes[k], dy: dy, dyNorms: dyNorms)
  }
}

extension DenseTokens: NormwiseErrorModel {
  func forwardNorms(at k: Int, input: [Double], inputNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    DenseRows.forwardNorms(weight.value.scalars, bias.value.scalars, n: features, m: units,
                           magnitudes: p.magnitudes[k], errors: input, norms: inputNorms)
  }

  func backwardNorms(at k: Int, dy: [Double], dyNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    DenseRows.backwardNorms(weight.value.scalars, n: features, m: units, seed: p.seedMagnitudes[k], dy: dy, dyNorms: dyNorms)
  }
}

/// `y = fl(x̂ + P)`: `N_y = N_x + ‖u(|y| + E_x)‖`; `dx = dy` exactly.
extension PositionEmbedding: NormwiseErrorModel {
  private var row: Int { Normwise.rowLength(outputShape) }

  func forwardNorms(at k: Int, input: [Double], inputNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    let y = p.magnitudes[k + 1]
    let rounding = y.indices.map { GradientErrorBound.u * (y[$0] + input[$0]) * GradientErrorBound.safety }
    return Normwise.affine(1, inputNorms, rounding: rounding, row: row)
  }

  func backwardNorms(at k: Int, dy: [Double], dyNorms: [Double], _ p: ErrorPropagation) -> [Double] { dyNorms }
}

/// `y = fl(x̂ + ẑ)`: `N_y = N_x + N_z + ‖u(|y| + E_x + E_z)‖`. (Backward: copies, passed as they are.)
extension Add: NormwiseBinaryErrorModel {
  func forwardNorms(at k: Int, x: Int, z: Int, _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let (ex, ez, y) = (p.errors[x], p.errors[z], p.magnitudes[k + 1])
    let rounding = y.indices.map { B.u * (y[$0] + ex[$0] + ez[$0]) * B.safety }
    let row = Normwise.rowLength(outputShape)
    let sums = zip(p.norms[x], p.norms[z]).map { ($0 + $1) * B.safety }
    return Normwise.affine(1, sums, rounding: rounding, row: row)
  }
}

/// `y[d] = fl(fl(Σ_t x[t, d]) · fl(1/T))`: `‖Δy‖ ≤ (1/T) Σ_t N_t` plus the rounding
/// `γ_{T+2} Σ_t X̄/T + τ`; `dx[t] = fl(fl(1/T) dy)`: `N_dy/T` plus `γ_3 D̄/T + τ_3` per entry.
extension TokenMeanPool: NormwiseErrorModel {
  func forwardNorms(at k: Int, input: [Double], inputNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let (t, d) = (inputShape[0], inputShape[1])
    let g = B.gamma(t + 2), tau = B.tau(t + 2), x = p.magnitudes[k]
    return (0..<p.batch).map { b in
      let propagated = inputNorms[(b * t)..<(b * t + t)].reduce(0, +) / Double(t)
      var rounding = [Double](repeating: 0, count: d)
      for token in 0..<t {
        for f in 0..<d { rounding[f] += x[(b * t + token) * d + f] + input[(b * t + token) * d + f] }
      }
      rounding = rounding.map { (g * $0 / Double(t) + tau) * B.safety }
      return ((propagated + Normwise.rowNorms(rounding, row: d)[0]) * B.safety).nextUp
    }
  }

  func backwardNorms(at k: Int, dy: [Double], dyNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let (t, d) = (inputShape[0], inputShape[1])
    let g = B.gamma(3), tau = B.tau(3), seed = p.seedMagnitudes[k], share = 1 / Double(t)
    var out: [Double] = []
    for b in 0..<p.batch {
      let rounding = (0..<d).map { (g * share * (seed[b * d + $0] + dy[b * d + $0]) + tau) * B.safety }
      let n = ((dyNorms[b] * share + Normwise.rowNorms(rounding, row: d)[0]) * B.safety).nextUp
      out += Array(repeating: n, count: t)
    }
    return out
  }
}
