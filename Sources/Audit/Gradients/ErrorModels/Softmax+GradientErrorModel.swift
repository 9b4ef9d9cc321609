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
  /// logits of magnitude at most `magnitudes`. With `δ = max E_z`: softmax moves by a factor within
  /// `e^{±2δ}` when each logit moves by at most `δ`; at `ẑ`, with `M = max|ẑ|`, `ρ_e = e^{2uM}(1 + κ) − 1`
  /// (exp of a rounded `ẑ − top`), `ε = ρ_e + γ_n + ρ_e γ_n + 2nα` (the sum, `≥ 1` by its top term),
  /// `ρ_p = (1 + ρ_e)(1 + u)²/(1 − ε) − 1`: `Δ = P(e^{2δ} − 1) + ρ_p P e^{2δ} + 3α + η`.
  static func forwardError(weights: [Double], magnitudes: [Double], errors: [Double]) -> [Double] {
    typealias B = GradientErrorBound
    let n = weights.count
    let delta = errors.max()!
    let largest = zip(magnitudes, errors).map { $0 + $1 }.max()!
    let rhoE = expm1(2 * B.u * largest) * (1 + B.libmRelative) + B.libmRelative
    let g = B.gamma(n), alpha = B.libmAbsolute
    let eps = rhoE + g + rhoE * g + 2 * Double(n) * alpha
    let rhoP = (rhoE + 2 * B.u + B.u * B.u + rhoE * (2 * B.u + B.u * B.u) + eps) / (1 - eps)
    let spread = expm1(2 * delta)
    return weights.map { pBound in
      (pBound * spread + rhoP * pBound * (1 + spread) + 3 * alpha + B.eta) * B.safety
    }
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
