import Foundation
import Intervals
import Train

/// The rounding model of one softmax row, shared by `softmax_last` and attention's weights. The
/// kernel (`Softmax.forward`/`backward`): `top = max ẑ`, `ê_i = expf(fl(ẑ_i − top))`, `ŝ = fl(Σ ê)`,
/// `p̂_i = fl(ê_i · fl(1/ŝ))`; backward `w = fl(Σ p̂ dŷ)`, `dz_i = fl(p̂_i · fl(dŷ_i − w))`.
enum SoftmaxRow {
  /// Upper bounds of the exact softmax of logits in `z` (intervals): `exp(hi_i − m) / Σ_k exp(lo_k − m)`,
  /// at most 1. Double's `exp` and the rounded differences (at most `745 · 2^−53` relative in
  /// `exp`'s argument before it underflows) move each by far less than the factor `1 + 2^−40`.
  static func weights(_ z: [DirectedInterval]) -> [Double] {
    let m = z.map(\.hi).max()!
    let denominator = z.reduce(0.0) { $0 + exp($1.lo - m) }
    guard denominator > 0 else { return z.map { _ in 1 } }
    return z.map { min(1, exp($0.hi - m) / denominator * (1 + 0x1p-40) * (1 + 0x1p-40)) }
  }

  /// `|p̂ − p|` per entry, for exact weights at most `weights` and logits within `errors` of exact
  /// logits of magnitude at most `magnitudes`. With `δ = max E_z`: the weight `j` moves by a factor
  /// within `e^{±(E_j + δ)}` when each logit `k` moves by at most `E_k` (its own logit by `E_j`, the
  /// normaliser `Σ_k p_k e^{Δ_k}` by `e^{±δ}`); at `ẑ`, with `M = max|ẑ|`, `ρ_e = e^{2uM}(1 + κ) − 1`
  /// (exp of a rounded `ẑ − top`), `ε = ρ_e + γ_n + ρ_e γ_n + 2nα` (the sum, `≥ 1` by its top term),
  /// `ρ_p = (1 + ρ_e)(1 + u)²/(1 − ε) − 1`: `Δ = P(e^{E_j+δ} − 1) + ρ_p P e^{E_j+δ} + 3α + η`.
  ///
  /// Saturation: `p̂` and `p` are both non-negative, so `|p̂ − p| ≤ max(p̂, p)`, with `p ≤ P` and
  /// `p̂ ≤ p̂max` whatever the logits' errors (`saturatedWeight`): no row's error exceeds about 1,
  /// however far its logits are off. A NaN error leaves the row unbounded.
  static func forwardError(weights: [Double], magnitudes: [Double], errors: [Double]) -> [Double] {
    forwardErrorParts(weights: weights, magnitudes: magnitudes, errors: errors).total
  }

  /// `forwardError`, with its two parts where they are finite: `moved` bounds
  /// `|softmax(ẑ) − softmax(z)|`, whose row sums to 0 (attention centres the values it weighs
  /// with it), and `rounding` bounds `|p̂ − softmax(ẑ)|`. Where the saturation bound is the
  /// smaller (or the parts are not finite), `moved` is `∞` and `total` that bound.
  static func forwardErrorParts(weights: [Double], magnitudes: [Double], errors: [Double]) -> (total: [Double], moved: [Double], rounding: [Double]) {
    typealias B = GradientErrorBound
    let n = weights.count
    let delta = B.largest(errors)
    let none = weights.map { _ in Double.infinity }
    guard !errors.contains(where: \.isNaN) else { return (none, none, none) }
    let largest = B.largest(zip(magnitudes, errors).map { $0 + $1 })
    let rhoE = expm1(2 * B.u * largest) * (1 + B.libmRelative) + B.libmRelative
    let g = B.gamma(n), alpha = B.libmAbsolute
    let eps = rhoE + g + rhoE * g + 2 * Double(n) * alpha
    let rhoP = (rhoE + 2 * B.u + B.u * B.u + rhoE * (2 * B.u + B.u * B.u) + eps) / (1 - eps)
    let ceiling = saturatedWeight(n)
    var (total, moved, rounding) = (none, none, none)
    for j in 0..<n {
      let pBound = weights[j]
      let spread = expm1(errors[j] + delta)
      let m = pBound * spread * B.safety
      let r = (rhoP * pBound * (1 + spread) + 3 * alpha + B.eta) * B.safety
      // ρ_p is meaningless once ε ≥ 1 (and the parts NaN at 0 · ∞): then only the saturation bound.
      let saturated = max(pBound, ceiling)
      let sum = (m + r) * B.safety
      if eps < 1 && !sum.isNaN && sum <= saturated {
        (total[j], moved[j], rounding[j]) = (sum, m, r)
      } else {
        total[j] = saturated
      }
    }
    return (total, moved, rounding)
  }

  /// An upper bound of every Float32 weight `p̂ = fl(ê · fl(1/ŝ))` of a row of `n`, whatever its
  /// logits: `fl(ẑ − top) ≤ 0`, so `ê ≤ 1 + κ + α`; the top term is `expf(0) ≥ 1 − κ`, so the sum
  /// of non-negative terms `ŝ ≥ (1 − γ_n)(1 − κ)`; two roundings more and an underflow.
  static func saturatedWeight(_ n: Int) -> Double {
    typealias B = GradientErrorBound
    let k = B.libmRelative
    return ((1 + k + B.libmAbsolute) * (1 + B.u) * (1 + B.u) / ((1 - B.gamma(n)) * (1 - k)) + B.eta) * B.safety
  }

  /// The error of `dz` for weights `P` (errors `E_p`) and seeds `|dy| ≤ G` (errors `E_dy`):
  /// `w` a sum of `n` products; `fl(dŷ − ŵ)`; the product with `p̂`.
  static func backwardError(weights: [Double], weightErrors: [Double], seeds: [Double], seedErrors: [Double]) -> (dz: [Double], dzMagnitude: [Double]) {
    typealias B = GradientErrorBound
    let n = weights.count
    var (w, eW, size) = (0.0, 0.0, 0.0)
    for j in 0..<n {
      w += weights[j] * seeds[j]
      eW += weights[j] * seedErrors[j] + seeds[j] * weightErrors[j] + weightErrors[j] * seedErrors[j]
      size += (weights[j] + weightErrors[j]) * (seeds[j] + seedErrors[j])
    }
    w *= B.safety
    eW = (eW + B.gamma(n) * size + B.tau(n)) * B.safety
    var dz = Array(repeating: 0.0, count: n), magnitude = dz
    for j in 0..<n {
      let difference = seeds[j] + w
      let eDifference = seedErrors[j] + eW + B.u * (difference + seedErrors[j] + eW)
      let (p, eP) = (weights[j], weightErrors[j])
      dz[j] = (p * eDifference + difference * eP + eP * eDifference + B.u * (p + eP) * (difference + eDifference) + B.eta / 2) * B.safety
      magnitude[j] = p * difference * B.safety
    }
    return (dz, magnitude)
  }
}

/// `softmax_last`, row by row over the last axis of `[T, n]` (or `[n]`).
extension Softmax: GradientErrorModel {
  private var features: Int { inputShape.last! }

  /// Per row: exact weights' bounds and the forward errors.
  private func rows(_ p: ErrorPropagation, at k: Int, input: [Double]) -> (weights: [Double], errors: [Double]) {
    let n = features
    var (weights, errors) = ([Double](), [Double]())
    for base in stride(from: 0, to: input.count, by: n) {
      let z = (base..<(base + n)).map { DirectedInterval(p.activations[k], $0) }
      let w = SoftmaxRow.weights(z).enumerated().map { min($1, p.magnitudes[k + 1][base + $0]) }
      weights += w
      errors += SoftmaxRow.forwardError(weights: w, magnitudes: Array(p.magnitudes[k][base..<(base + n)]), errors: Array(input[base..<(base + n)]))
    }
    return (weights, errors)
  }

  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] { rows(p, at: k, input: input).errors }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    let n = features
    let (weights, errors) = rows(p, at: k, input: p.errors[k])
    var dx: [Double] = []
    for base in stride(from: 0, to: dy.count, by: n) {
      let r = base..<(base + n)
      dx += SoftmaxRow.backwardError(weights: Array(weights[r]), weightErrors: Array(errors[r]),
                                     seeds: Array(p.seedMagnitudes[k][r]), seedErrors: Array(dy[r])).dz
    }
    return (dx, [])
  }
}
