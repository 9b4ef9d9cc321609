import Exact
import Intervals
import Foundation
import Train

/// The a priori bound on how far the trainer's Float32 gradient can be from the exact one
/// (Docs/Audits.md, "Gradient audit: the bound").
///
/// Rounding model (binary32, round to nearest, no flush to zero): `fl(a ∘ b) = (a ∘ b)(1 + δ) + e`
/// with `|δ| ≤ u = 2^-24`, `|e| ≤ η/2`, `η = 2^-149`, `e = 0` for sums. A dot product of `n` terms
/// in any order, blocking, threading, fused or not: `|fl(s) − s| ≤ γ_n Σ|x_j y_j| + τ_n`,
/// `γ_n = n u / (1 − n u)`, `τ_n = 2 n η` (Higham, Lemma 3.1, plus underflow). `expf`, `logf`,
/// `tanhf` (trusted): within 4 ulps, so relative error `κ = 2^-21` plus `4η` where the result is
/// subnormal.
///
/// The bound runs through the chain with, for every intermediate tensor `v`, an upper bound `E_v`
/// on `|v̂ − v|` entrywise, where `v̂` is whatever the Float32 computation produced and `v` the exact
/// value at the same Float32 weights and inputs (enclosed by `GradientEnclosure`). Each step bounds
/// its own rounding in terms of its operands (`|v̂| ≤ |v| + E_v`, with `|v|` from the enclosure) and
/// adds the propagated error of its Float32 operands. Nothing reads the trainer's intermediate
/// values: the bound holds for every run of the kernels, whatever order BLAS sums in.
///
/// All bounds are computed in Double on non-negative numbers; each stage's result is multiplied by
/// `1 + 2^-20`, which covers its Double roundings (fewer than `2^20` in sequence, each at most
/// `2^-53` relative, and no Double underflow at these magnitudes).
struct GradientErrorBound {
  static let u = 0x1p-24
  static let eta = 0x1p-149
  static let libmRelative = 0x1p-21
  static let libmAbsolute = 4 * 0x1p-149
  static let safety = 1 + 0x1p-20

  static func gamma(_ n: Int) -> Double {
    let nu = Double(n) * u
    return (nu / (1 - nu)).nextUp
  }

  static func tau(_ n: Int) -> Double { 2 * Double(n) * eta }

  /// Per parameter (the model's order), the bound of each gradient entry.
  static func bounds(model: Sequential, enclosure e: GradientEnclosure) -> [[Double]] {
    let batch = e.batch
    let widths = e.widths
    let magnitudes = e.activations.map { v in (0..<v.count).map { v.magnitudeUpperBound($0) } }
    let seedMagnitudes = e.seeds.map { v in (0..<v.count).map { v.magnitudeUpperBound($0) } }
    var errors: [[Double]] = [Array(repeating: 0, count: e.activations[0].count)]

    // Forward: errors of each layer's outputs.
    for (k, layer) in model.layers.enumerated() {
      let (n, m) = (widths[k], widths[k + 1])
      let input = errors[k]
      var out = Array(repeating: 0.0, count: batch * m)
      switch type(of: layer).certifiedBlock {
      case "dense":
        let w = layer.parameters[0].value.scalars.map { Double(abs($0)) }
        let bias = layer.parameters[1].value.scalars.map { Double(abs($0)) }
        let g = gamma(n + 1), t = tau(n + 1)
        let exactInput = input.allSatisfy { $0 == 0 }
        for b in 0..<batch {
          for o in 0..<m {
            var propagated = 0.0, size = bias[o]
            for i in 0..<n {
              let x = magnitudes[k][b * n + i] + input[b * n + i]
              size += w[o * n + i] * x
              if !exactInput { propagated += w[o * n + i] * input[b * n + i] }
            }
            out[b * m + o] = (propagated + g * size + t) * safety
          }
        }
      case "relu":
        out = input  // relu is exact and 1-Lipschitz
      case "sigmoid":
        let rho = sigmoidRelative
        for j in out.indices {
          out[j] = (input[j] / 4 + rho * (magnitudes[k + 1][j] + input[j] / 4) + 8 * eta) * safety
        }
      case "tanh":
        for j in out.indices {
          out[j] = (input[j] + libmRelative * (magnitudes[k + 1][j] + input[j]) + libmAbsolute) * safety
        }
      default:
        out = Array(repeating: .infinity, count: batch * m)  // not modelled: no claim
      }
      errors.append(out)
    }

    // The loss's seed.
    let classes = widths.last!
    let logits = errors.last!
    var seedError = Array(repeating: 0.0, count: batch * classes)
    let top = seedMagnitudes.last!
    let inverseBatch = 1 / Double(batch)
    for b in 0..<batch {
      let row = b * classes
      switch type(of: model.loss).certifiedBlock {
      case "softmax_cross_entropy":
        var delta = 0.0, largest = 0.0
        for j in 0..<classes {
          delta = max(delta, logits[row + j])
          largest = max(largest, magnitudes.last![row + j] + logits[row + j])
        }
        let shift = expm1(2 * u * largest)
        let rhoE = shift + libmRelative + libmRelative * shift
        let alpha = libmAbsolute
        let epsLow = rhoE + gamma(classes) + 2 * Double(classes) * alpha
        let rhoP = (rhoE + u + rhoE * u + epsLow) / (1 - epsLow)
        let absoluteP = 3 * alpha + eta
        let spread = expm1(2 * delta)
        for i in 0..<classes {
          let isTarget = e.targets.isZero(row + i) ? 0.0 : 1.0
          let p = Double(batch) * top[row + i] + isTarget  // p = B g + t
          let deltaP = p * spread + rhoP * p * (1 + spread) + absoluteP
          seedError[row + i] = (inverseBatch * deltaP * (1 + gamma(3)) + gamma(3) * top[row + i] + eta / 2) * safety
        }
      case "mse":
        for i in 0..<classes {
          seedError[row + i] = (2 / Double(classes) * inverseBatch * logits[row + i] * (1 + gamma(5)) + gamma(5) * top[row + i] + eta) * safety
        }
      default:
        for i in 0..<classes { seedError[row + i] = .infinity }
      }
    }

    // Backward.
    var parameterBounds: [[Double]] = model.parameters.map { Array(repeating: .infinity, count: $0.value.count) }
    var parameterIndex: [ObjectIdentifier: Int] = [:]
    for (p, parameter) in model.parameters.enumerated() { parameterIndex[ObjectIdentifier(parameter)] = p }
    let firstTrainable = model.layers.firstIndex { !$0.parameters.isEmpty } ?? model.layers.count
    var dy = seedError
    for k in stride(from: model.layers.count - 1, through: firstTrainable, by: -1) {
      let layer = model.layers[k]
      let (n, m) = (widths[k], widths[k + 1])
      let seed = seedMagnitudes[k]
      let input = errors[k]
      var dx = Array(repeating: Double.infinity, count: batch * n)
      switch type(of: layer).certifiedBlock {
      case "dense":
        let w = layer.parameters[0].value.scalars.map { Double(abs($0)) }
        let gB = gamma(batch), tB = tau(batch)
        var dW = Array(repeating: 0.0, count: m * n)
        for o in 0..<m {
          for i in 0..<n {
            var propagated = 0.0, size = 0.0
            for b in 0..<batch {
              let x = magnitudes[k][b * n + i] + input[b * n + i]
              propagated += dy[b * m + o] * x + seed[b * m + o] * input[b * n + i]
              size += (seed[b * m + o] + dy[b * m + o]) * x
            }
            dW[o * n + i] = (propagated + gB * size + tB) * safety
          }
        }
        var db = Array(repeating: 0.0, count: m)
        for o in 0..<m {
          var propagated = 0.0, size = 0.0
          for b in 0..<batch {
            propagated += dy[b * m + o]
            size += seed[b * m + o] + dy[b * m + o]
          }
          db[o] = (propagated + gB * size) * safety
        }
        parameterBounds[parameterIndex[ObjectIdentifier(layer.parameters[0])]!] = dW
        parameterBounds[parameterIndex[ObjectIdentifier(layer.parameters[1])]!] = db
        if k > firstTrainable {
          let gO = gamma(m), tO = tau(m)
          for b in 0..<batch {
            for i in 0..<n {
              var propagated = 0.0, size = 0.0
              for o in 0..<m {
                propagated += w[o * n + i] * dy[b * m + o]
                size += w[o * n + i] * (seed[b * m + o] + dy[b * m + o])
              }
              dx[b * n + i] = (propagated + gO * size + tO) * safety
            }
          }
        }
      case "relu":
        let z = e.activations[k]
        for j in dx.indices {
          let (lo, hi) = z.doubleBounds(j)
          // Float and exact inputs have the same sign when |z| > E_z: the same step, so only dy's
          // error passes; otherwise one of the two steps may be 0.
          dx[j] = lo > input[j] || hi < -input[j] ? dy[j] : (seed[j] + dy[j]) * safety
        }
      case "sigmoid":
        let ey = errors[k + 1]
        let g3 = gamma(3)
        for j in dx.indices {
          dx[j] = (0.25 * dy[j] + ey[j] * seed[j] + g3 * 0.25 * (seed[j] + dy[j]) + 2 * eta) * safety
        }
      case "tanh":
        let ey = errors[k + 1]
        for j in dx.indices {
          let t = magnitudes[k + 1][j]
          let q = (t + ey[j]) * (t + ey[j])
          let f = ey[j] * (2 * t + ey[j]) + u * (1 + u) * q + u * max(1, q) + eta
          dx[j] = ((1 + f) * dy[j] + f * seed[j] + u * (1 + f) * (seed[j] + dy[j]) + eta / 2) * safety
        }
      default:
        break  // not modelled: infinite, no claim
      }
      dy = dx
    }
    return parameterBounds
  }

  /// Relative error of the trainer's sigmoid (`1/(1 + expf(-v))` or `e/(1 + e)`, `e = expf(v)`):
  /// `(1 + κ)(1 + u) / ((1 − κ)(1 − u)) − 1`, written without cancellation.
  static var sigmoidRelative: Double {
    let k = libmRelative
    return ((2 * k + 2 * u) / ((1 - k) * (1 - u))).nextUp
  }
}
