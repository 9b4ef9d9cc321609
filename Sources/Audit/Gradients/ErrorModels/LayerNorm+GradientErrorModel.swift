import Foundation
import Intervals
import Train

/// Layer norm's rounding model (Docs/Audits.md, "Transformer rounding models"). Per token row of
/// `n` features, with `x` the exact input, `x̂` the Float32 one (`|x̂ − x| ≤ E`), and `z` any point
/// between them:
///
/// - `σ(z) = ‖z − mean(z)‖₂` is a seminorm, so `σ(z) ≥ σ(x) − ‖E‖₂`, and `σ(x)` is bounded below
///   from the enclosure (distances of the intervals from their mean's midpoint, minus `√n` times
///   the mean's spread), all rounded outward. Hence `r(z) = (σ(z)²/n + eps)^(−1/2) ≤ R`.
/// - `|z_i − mean(z)| ≤ D_i = dev_i + E_i + mean(E)` (`dev_i` bounds `|x_i − mean(x)|`), so
///   `|xhat_i(z)| ≤ H_i = min(R D_i, √n)` (`Σ xhat² < n`).
/// - Propagation: `∂xhat/∂x = r (I − 11ᵀ/n − xhat xhatᵀ/n)`, so along the segment
///   `|xhat(x̂) − xhat(x)|_i ≤ R (E_i + mean(E) + H_i Σ_j H_j E_j / n)`; `|Δr| ≤ R² ‖E‖₂/√n`.
/// - Rounding at `x̂` (the kernel: `μ̂ = fl(fl(Σ x̂)·fl(1/n))`, `d̂ = fl(x̂ − μ̂)`, `Q̂ = fl(Σ d̂²)`,
///   `r̂ = fl(1/fl(√fl(fl(Q̂·fl(1/n)) + eps)))`, `ĥ = fl(d̂ r̂)`, `ŷ = fl(fl(g ĥ) + b)`):
///   `|μ̂ − μ| ≤ e_μ = γ_{n+2} Σ|x̂|/n + η`; `Σ(x̂ − μ̂)² = Q + n(μ − μ̂)²`, so `Q̂·fl(1/n)` is within
///   `γ_{n+4}(Q/n + e_μ²) + e_μ² + 2τ_n + η` of `Q/n`, relative `ρ_V` of `V = Q/n + eps ≥ eps`; the
///   square root, the division and the `+ eps` give `|r̂/r − 1| ≤ ρ_r = (1+u)/((1−u)^{3/2} √(1−ρ_V)) − 1`.
/// - Saturation: whatever `x̂`, `|ĥ_i| ≤ Ĥ = √n (1+u)²/((1−u)^{5/2} √(1−γ_n)) + η/2` (the row's
///   computed sum of squares is at least `(1 − γ_n) d̂_i² − τ_n` and `eps` covers the underflows)
///   and `r̂ ≤ R̂ = (1+u)/((1−u)^{5/2} √eps)`; so `|ĥ − xhat| ≤ Ĥ + H_i` and `|r̂ − r| ≤ max(R̂, R)`
///   cap the bounds above where the input's error rivals the row's spread (they were infinite
///   there). A NaN input error is not capped: the row stays unbounded.
///
/// FMA contraction, if the compiler made any, only removes roundings from these counts.
extension LayerNorm: GradientErrorModel {
  private var rowShape: (tokens: Int, features: Int) { inputShape.count == 2 ? (inputShape[0], inputShape[1]) : (1, inputShape[0]) }

  /// What both passes need per token row (`rows = B T`), flat over `[B T, n]`.
  struct Bounds {
    /// Per row: `R` (bound of `r` at `x`, `x̂` and between) and `E_r` (`|r̂ − r(x)|`).
    var r: [Double] = []
    var rError: [Double] = []
    /// Per entry: `H` (bound of `|xhat|`) and `E_h` (`|ĥ − xhat(x)|`).
    var h: [Double] = []
    var hError: [Double] = []
    /// Norm-wise (`NormwiseErrorModel`): per entry, `|ĥ − xhat(x̂)|` (the rounding at `x̂` alone);
    /// per row, `ρ_r`, the bound `N_x` of the input row's error norm, and `N_h ≥ ‖ĥ − xhat(x)‖₂`.
    var local: [Double] = []
    var rhoR: [Double] = []
    var inputNorm: [Double] = []
    var hNorm: [Double] = []
  }

  func bounds(_ p: ErrorPropagation, at k: Int) -> Bounds {
    typealias B = GradientErrorBound
    let (tokens, n) = rowShape
    let (x, errors) = (p.activations[k], p.errors[k])
    let eps = Double(LayerNorm.epsilon)
    let nd = Double(n), rootN = Double(n).squareRoot().nextUp
    let gMean = B.gamma(n + 2), gVar = B.gamma(n + 4)
    // The saturation caps (above), independent of the input's errors.
    let hCap = (rootN * (1 + B.u) * (1 + B.u) / (pow(1 - B.u, 2.5) * (1 - B.gamma(n)).squareRoot()) + B.eta / 2) * B.safety
    let rCap = (1 + B.u) / (pow(1 - B.u, 2.5) * eps.squareRoot()) * B.safety
    var out = Bounds()
    out.h = Array(repeating: 0, count: p.batch * tokens * n)
    out.hError = out.h
    out.local = out.h
    for row in 0..<(p.batch * tokens) {
      let base = row * n
      let cells = (0..<n).map { DirectedInterval(x, base + $0) }
      let e = Array(errors[base..<(base + n)])
      // The exact mean's range, outward.
      var (sumLo, sumHi) = (0.0, 0.0)
      for c in cells { (sumLo, sumHi) = ((sumLo + c.lo).nextDown, (sumHi + c.hi).nextUp) }
      let (muLo, muHi) = ((sumLo / nd).nextDown, (sumHi / nd).nextUp)
      let dev = cells.map { max((($0.hi - muLo).nextUp), ((muHi - $0.lo).nextUp)) }
      // σ(x) ≥ ‖x − c·1‖ − √n |mean(x) − c| for the Double c, each part rounded toward the bound.
      let c = muLo / 2 + muHi / 2
      var squares = 0.0
      for cell in cells {
        let distance = max(0, (cell.lo - c).nextDown, (c - cell.hi).nextDown)
        squares = (squares + (distance * distance).nextDown).nextDown
      }
      let spread = max((muHi - c).nextUp, (c - muLo).nextUp)
      // ‖E‖₂ from the entries, or the propagated row norm where that is smaller.
      let eNorm = Normwise.tighter((e.reduce(0) { $0 + $1 * $1 }.squareRoot() * B.safety).nextUp, p.norm(k, row: row))
      let sigma = max(0, ((squares.squareRoot().nextDown - (rootN * spread).nextUp).nextDown - eNorm).nextDown)
      let variance = ((sigma * sigma).nextDown / nd).nextDown
      let r = (1 / ((variance + eps).nextDown.squareRoot().nextDown)).nextUp
      let eMean = e.reduce(0, +) / nd * B.safety
      let d = (0..<n).map { (dev[$0] + e[$0] + eMean) * B.safety }
      let h = d.map { $0.isNaN ? rootN : min(r * $0 * B.safety, rootN) }
      let unbounded = e.contains(where: \.isNaN)
      let hDotE = zip(h, e).reduce(0) { $0 + $1.0 * $1.1 } / nd * B.safety
      // Rounding at x̂.
      let sumAbs = (0..<n).reduce(0.0) { $0 + p.magnitudes[k][base + $1] + e[$1] }
      let eMu = (gMean * sumAbs / nd + B.eta) * B.safety
      // Relative to V = var + eps, which is at least the variance's lower bound plus eps.
      let floor = (variance + eps).nextDown
      let rhoV = (gVar + (gVar * eMu * eMu + eMu * eMu + 2 * B.tau(n) + B.eta) / floor) * B.safety
      // ρ_V ≥ 1/2 (a row whose mean's rounding rivals its spread): no finite bound from the
      // rounding analysis, said as ∞ rather than a NaN; the saturation caps below then apply.
      let rhoR = rhoV < 0.5 ? (1 + B.u) / (pow(1 - B.u, 1.5) * (1 - rhoV).squareRoot()) - 1 + 0x1p-40 : .infinity
      let rounding = rhoR + B.u + rhoR * B.u
      out.r.append(r)
      out.rhoR.append(rhoR)
      out.inputNorm.append(eNorm)
      let rError = (rhoR * r + r * r * eNorm / nd.squareRoot()) * B.safety
      out.rError.append(unbounded ? .nan : Self.capped(rError, max(rCap, r)))
      for i in 0..<n {
        let propagated = r * (e[i] + eMean + h[i] * hDotE)
        let eD = eMu + B.u * (d[i] + eMu)
        let local = eD * r * (1 + rhoR) * (1 + B.u) + h[i] * rounding + B.eta / 2
        out.h[base + i] = h[i]
        out.local[base + i] = local * B.safety
        out.hError[base + i] = unbounded ? .nan : Self.capped((propagated + local) * B.safety, hCap + h[i])
      }
      // Norm-wise: `‖xhat(x̂) − xhat(x)‖₂ ≤ R ‖E‖₂`, the Jacobian being `r` times a symmetric map with
      // eigenvalues in [0, 1] (`I − 11ᵀ/n − vvᵀ`, `v = xhat/√n ⊥ 1`, `‖v‖ < 1`); plus the rounding.
      let localNorm = Normwise.rowNorms(Array(out.local[base..<(base + n)]), row: n)[0]
      let hNorm = ((r * eNorm + localNorm) * B.safety).nextUp
      out.hNorm.append(hNorm)
      for i in 0..<n { out.hError[base + i] = Normwise.tighter(out.hError[base + i], hNorm) }
    }
    return out
  }

  /// `bound`, or `cap` where it is larger or NaN (`0 · ∞` of an infinite rounding term).
  private static func capped(_ bound: Double, _ cap: Double) -> Double { bound.isNaN ? cap : min(bound, cap) }

  /// `ŷ = fl(fl(g ĥ) + b)`: `|g| E_h` and a two-term sum's rounding.
  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let n = rowShape.features
    let bounds = self.bounds(p, at: k)
    let g = scale.value.scalars.map { Double(abs($0)) }, b = shift.value.scalars.map { Double(abs($0)) }
    let g2 = B.gamma(2), t2 = B.tau(2)
    return bounds.h.indices.map { j in
      let i = j % n
      return (g[i] * bounds.hError[j] + g2 * (g[i] * (bounds.h[j] + bounds.hError[j]) + b[i]) + t2) * B.safety
    }
  }

  /// `dg = Σ fl(dy ĥ)` and `db = Σ dy` over the batch's tokens; per row, with `a = fl(g dŷ)`,
  /// `m̂1 = fl(fl(Σ a)·fl(1/n))`, `m̂2 = fl(fl(Σ fl(a ĥ))·fl(1/n))`,
  /// `dx = fl(r̂ · fl(fl(a − m̂1) − fl(ĥ m̂2)))` against `r (g dy − m1 − xhat m2)`.
  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    typealias B = GradientErrorBound
    let (tokens, n) = rowShape
    let rows = p.batch * tokens
    let bounds = self.bounds(p, at: k)
    let seed = p.seedMagnitudes[k]
    let g = scale.value.scalars.map { Double(abs($0)) }
    let gRows = B.gamma(rows), tRows = B.tau(rows)
    var dg = Array(repeating: 0.0, count: n), db = dg
    var (dgSize, dbSize) = (dg, dg)
    for j in 0..<(rows * n) {
      let i = j % n
      let hBar = bounds.h[j] + bounds.hError[j]
      dg[i] += dy[j] * hBar + seed[j] * bounds.hError[j]
      dgSize[i] += (seed[j] + dy[j]) * hBar
      db[i] += dy[j]
      dbSize[i] += seed[j] + dy[j]
    }
    let dG = (0..<n).map { (dg[$0] + gRows * dgSize[$0] + tRows) * B.safety }
    let dB = (0..<n).map { (db[$0] + gRows * dbSize[$0]) * B.safety }
    guard needsInput else { return (Array(repeating: .infinity, count: rows * n), [dG, dB]) }

    let dx = inputGradientErrors(n: n, h: bounds.h, hError: bounds.hError, r: bounds.r, rError: bounds.rError, seed: seed, dy: dy)
    return (dx, [dG, dB])
  }

  /// The bound of `dx`'s error, per entry, for `|xhat| ≤ h` with error `hError`, `r ≤ r[row]` with
  /// error `rError[row]`, and a seed of magnitude at most `seed` with error `dy`.
  func inputGradientErrors(n: Int, h: [Double], hError: [Double], r: [Double], rError: [Double], seed: [Double], dy: [Double]) -> [Double] {
    typealias B = GradientErrorBound
    let g = scale.value.scalars.map { Double(abs($0)) }
    var dx = Array(repeating: 0.0, count: seed.count)
    let nd = Double(n), g1 = B.gamma(n + 1), g2n = B.gamma(n + 2), g2 = B.gamma(2)
    for row in 0..<(seed.count / n) {
      let base = row * n
      var (m1, e1, m2, e2) = (0.0, 0.0, 0.0, 0.0)
      var (aSize, ahSize) = (0.0, 0.0)
      var eA = Array(repeating: 0.0, count: n), aBar = eA
      for i in 0..<n {
        let j = base + i
        let dBar = seed[j] + dy[j]
        eA[i] = g[i] * dy[j] + B.u * g[i] * dBar + B.eta / 2
        aBar[i] = g[i] * dBar * (1 + B.u) + B.eta / 2
        let hBar = h[j] + hError[j]
        m1 += g[i] * seed[j]
        e1 += eA[i]
        aSize += aBar[i]
        m2 += g[i] * seed[j] * h[j]
        e2 += eA[i] * hBar + g[i] * seed[j] * hError[j]
        ahSize += aBar[i] * hBar
      }
      m1 = m1 / nd * B.safety
      m2 = m2 / nd * B.safety
      e1 = (e1 / nd + g1 * aSize / nd + B.eta / 2) * B.safety
      e2 = (e2 / nd + g2n * ahSize / nd + B.tau(n) + B.eta / 2) * B.safety
      let (r, eR) = (r[row], rError[row])
      for i in 0..<n {
        let j = base + i
        let hBar = h[j] + hError[j]
        let eC = hBar * e2 + m2 * hError[j] + B.u * hBar * (m2 + e2) + B.eta / 2
        let eT = eA[i] + e1 + eC + g2 * (aBar[i] + m1 + e1 + hBar * (m2 + e2) * (1 + B.u) + B.eta)
        let t = g[i] * seed[j] + m1 + h[j] * m2
        dx[j] = (r * eT + t * eR + eR * eT + B.u * (r + eR) * (t + eT) + B.eta / 2) * B.safety
      }
    }
    return dx
  }
}
