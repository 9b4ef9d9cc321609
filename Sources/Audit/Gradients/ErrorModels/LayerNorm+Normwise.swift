import Train

/// Layer norm, norm-wise per token row (Docs/Audits.md, "Norm-wise bounds"). With `J(z) = r(z) Pv(z)`,
/// `Pv = I − 11ᵀ/n − vvᵀ`, `v = xhat/√n` (symmetric, eigenvalues in [0, 1]), `a = g ⊙ dy`:
///
/// - forward: `‖ĥ − xhat(x)‖₂ ≤ N_h = R N_x + ‖ĥ − xhat(x̂)‖` (`Bounds.hNorm`), then
///   `‖ŷ − y‖ ≤ min(max|g| N_h, ‖g ⊙ E_h‖) + ‖γ₂(|g| H̄ + |b|) + τ₂‖`;
/// - backward: `dx = r Pv a`. Against the exact `D(x, dy)`: the rounding at the Float32 operands
///   (`inputGradientErrors` with the forward's rounding `|ĥ − xhat(x̂)|`, `|r̂ − r(x̂)| ≤ ρ_r R` and
///   the seed's magnitude `|dy| + E_dy`, exact otherwise), plus `‖D(x̂, dŷ) − D(x̂, dy)‖ ≤ R max|g| N_dy`,
///   plus `‖D(x̂, dy) − D(x, dy)‖ ≤ |Δr| ‖a‖ + R ‖(v̂v̂ᵀ − vvᵀ) a‖ ≤ 3 R² N_x ‖a‖ / √n`
///   (`|Δr| ≤ R² N_x/√n`, `‖Δv‖ ≤ R N_x/√n`, `‖v‖, ‖v̂‖ ≤ 1`).
extension LayerNorm: NormwiseErrorModel {
  private var features: Int { outputShape.last! }

  func forwardNorms(at k: Int, input: [Double], inputNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let n = features
    let bounds = self.bounds(p, at: k)
    let g = scale.value.scalars.map { Double(abs($0)) }, b = shift.value.scalars.map { Double(abs($0)) }
    let gMax = g.max()!
    let g2 = B.gamma(2), t2 = B.tau(2)
    let rounding = bounds.h.indices.map { j in
      let i = j % n
      return (g2 * (g[i] * (bounds.h[j] + bounds.hError[j]) + b[i]) + t2) * B.safety
    }
    let scaled = Normwise.rowNorms(bounds.hError.indices.map { g[$0 % n] * bounds.hError[$0] }, row: n)
    let moved = zip(bounds.hNorm, scaled).map { Normwise.tighter(gMax * $0 * B.safety, $1) }
    return Normwise.affine(1, moved, rounding: rounding, row: n)
  }

  func backwardNorms(at k: Int, dy: [Double], dyNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let n = features
    let bounds = self.bounds(p, at: k)
    let seed = p.seedMagnitudes[k]
    let g = scale.value.scalars.map { Double(abs($0)) }
    let gMax = g.max()!
    let rounding = inputGradientErrors(n: n, h: bounds.h, hError: bounds.local,
                                       r: bounds.r, rError: zip(bounds.rhoR, bounds.r).map { $0 * $1 * B.safety },
                                       seed: seed.indices.map { seed[$0] + dy[$0] }, dy: Array(repeating: 0, count: dy.count))
    let roundingNorms = Normwise.rowNorms(rounding, row: n)
    let a = Normwise.rowNorms(seed.indices.map { g[$0 % n] * seed[$0] }, row: n)
    let rootN = Double(n).squareRoot().nextDown
    return bounds.r.indices.map { row in
      let r = bounds.r[row]
      let seedPart = r * gMax * dyNorms[row]
      let movedPart = 3 * r * r * bounds.inputNorm[row] * a[row] / rootN
      return ((seedPart + movedPart + roundingNorms[row]) * B.safety).nextUp
    }
  }
}
