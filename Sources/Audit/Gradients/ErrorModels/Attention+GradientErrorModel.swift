import Foundation
import Intervals
import Train

/// Attention's rounding model, per example and head (the kernel's loops, `AttentionHeads`), with
/// `s = 1/√E` and its Float32 value `fl(1/fl(√E))` within two roundings:
///
///     S = fl(fl(Σ_c Q K) · s)     E_S = s Σ_c (|Q| E_K + |K| E_Q + E_Q E_K) + γ_{E+3} s Σ_c Q̄ K̄ + τ
///     A = softmax rows of S       SoftmaxRow (exact weights bounded from S's interval, which is
///                                 computed from Q's and K's enclosures with outward rounding)
///     O = fl(Σ_j A V)             E_O = Σ_j (A E_V + |V| E_A + E_A E_V) + γ_T Σ_j Ā V̄ + τ, or
///                                 with the rows summing to 1 (below), the smaller
///     dA = fl(Σ_c dO V)   dV = fl(Σ_i A dO)   dS = SoftmaxRow backward
///     dQ = fl(fl(Σ_j dS K) · s)   dK = fl(fl(Σ_i dS Q) · s)
///
/// each a sum of products in the kernel's order, bounded by the dense layer's argument (`X̄ = |x| + E_x`).
///
/// Rows summing to 1: `Â − A = (softmax(Ŝ) − A) + (Â − softmax(Ŝ))`, and the first part's row sums
/// to 0, so its product with `V` is its product with `V − m` for any `m`: with `m_c` the middle of
/// `V[·, c]`'s range over the tokens, `|Σ_j (Â − A) V_jc| ≤ Σ_j (M_j |V_jc − m_c| + R_j |V_jc|)`
/// (`M`, `R` the two parts' bounds, `SoftmaxRow.forwardErrorParts`): a value common to every token
/// (a bias) adds nothing.
extension AttentionHeads: GradientErrorModel {
  /// The forward quantities of one example and head, `[T, T]`: bounds of the exact attention
  /// weights and of their Float32 errors.
  private struct Head {
    var weights: [Double]
    var weightErrors: [Double]
    /// `weightErrors`' parts (∞ where the saturation bound is used).
    var moved: [Double]
    var rounding: [Double]
  }

  /// An upper bound of `1/√E` (its Float32 value's two roundings are in the `γ_{n+3}`).
  private var scale: Double { 1 / Double(headWidth).squareRoot() * GradientErrorBound.safety }

  /// Input offsets of example `b`'s `Q[t, h, c]` (`part` 0), `K` (1), `V` (2).
  private func at(_ b: Int, _ part: Int, _ t: Int, _ h: Int, _ c: Int) -> Int {
    b * inputWidth + t * 3 * width + part * width + h * headWidth + c
  }

  /// Per token, the ℓ2 norms of part `part` of head `h` of example `b`: of the magnitudes' bounds,
  /// and of the error, the smaller of its entries' norm and the input row's propagated norm.
  private func partNorms(_ b: Int, _ part: Int, _ h: Int, _ p: ErrorPropagation, at k: Int) -> (size: [Double], error: [Double]) {
    let (mags, errs) = (p.magnitudes[k], p.errors[k])
    let sizes = (0..<tokens).map { i in (0..<headWidth).map { mags[at(b, part, i, h, $0)] } }
    let errors = (0..<tokens).map { i in (0..<headWidth).map { errs[at(b, part, i, h, $0)] } }
    return (sizes.map { Normwise.rowNorms($0, row: headWidth)[0] },
            errors.indices.map { Normwise.tighter(Normwise.rowNorms(errors[$0], row: headWidth)[0], p.norm(k, row: b * tokens + $0)) })
  }

  private func head(_ b: Int, _ h: Int, _ p: ErrorPropagation, at k: Int) -> Head {
    typealias B = GradientErrorBound
    let (t, e) = (tokens, headWidth)
    let (x, mags, errs) = (p.activations[k], p.magnitudes[k], p.errors[k])
    let s = scale
    let sInterval = DirectedInterval((1 / Double(e).squareRoot()).nextDown, s)
    let g = B.gamma(e + 3), tau = B.tau(e + 3)
    // Cauchy–Schwarz per head: |Q_i·ΔK_j + ΔQ_i·K_j + ΔQ_i·ΔK_j| ≤ ‖Q_i‖ N_Kj + ‖K_j‖ N_Qi + N_Qi N_Kj.
    let (q, kn) = (partNorms(b, 0, h, p, at: k), partNorms(b, 1, h, p, at: k))
    var weights: [Double] = [], weightErrors: [Double] = [], moved: [Double] = [], rounding: [Double] = []
    for i in 0..<t {
      var logits: [DirectedInterval] = [], magnitudes: [Double] = [], errors: [Double] = []
      for j in 0..<t {
        var sum = DirectedInterval(0, 0)
        var (propagated, size, magnitude) = (0.0, 0.0, 0.0)
        for c in 0..<e {
          let (q, kk) = (at(b, 0, i, h, c), at(b, 1, j, h, c))
          sum = sum + DirectedInterval(x, q) * DirectedInterval(x, kk)
          propagated += mags[q] * errs[kk] + mags[kk] * errs[q] + errs[q] * errs[kk]
          size += (mags[q] + errs[q]) * (mags[kk] + errs[kk])
          magnitude += mags[q] * mags[kk]
        }
        let logit = sum * sInterval
        logits.append(logit)
        magnitudes.append(min(logit.magnitude, magnitude * s * B.safety))
        let normwise = (q.size[i] * kn.error[j] + kn.size[j] * q.error[i] + q.error[i] * kn.error[j]) * B.safety
        errors.append((s * Normwise.tighter(propagated, normwise) + g * s * size + tau) * B.safety)
      }
      let w = SoftmaxRow.weights(logits)
      weights += w
      let parts = SoftmaxRow.forwardErrorParts(weights: w, magnitudes: magnitudes, errors: errors)
      weightErrors += parts.total
      moved += parts.moved
      rounding += parts.rounding
    }
    return Head(weights: weights, weightErrors: weightErrors, moved: moved, rounding: rounding)
  }

  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let (t, e) = (tokens, headWidth)
    let (x, mags, errs) = (p.activations[k], p.magnitudes[k], p.errors[k])
    let g = B.gamma(t), tau = B.tau(t)
    var out = Array(repeating: 0.0, count: p.batch * outputWidth)
    for b in 0..<p.batch {
      for h in 0..<heads {
        let a = head(b, h, p, at: k)
        for c in 0..<e {
          // |V_jc − m_c| for the middle m_c of the column's range, rounded outward.
          let cells = (0..<t).map { DirectedInterval(x, at(b, 2, $0, h, c)) }
          let middle = cells.map(\.lo).min()! / 2 + cells.map(\.hi).max()! / 2
          let centred = cells.map { max(($0.hi - middle).nextUp, (middle - $0.lo).nextUp) }
          for i in 0..<t {
            var (propagated, size, weighed, weighedCentred) = (0.0, 0.0, 0.0, 0.0)
            for j in 0..<t {
              let (pa, ea, v) = (a.weights[i * t + j], a.weightErrors[i * t + j], at(b, 2, j, h, c))
              propagated += pa * errs[v] + ea * errs[v]
              weighed += mags[v] * ea
              weighedCentred += a.moved[i * t + j] * centred[j] + a.rounding[i * t + j] * mags[v]
              size += (pa + ea) * (mags[v] + errs[v])
            }
            // min keeps a NaN second: weighedCentred is ∞ (not NaN) where a part is unbounded.
            let moved = weighedCentred.isNaN ? weighed : min(weighed, weighedCentred)
            out[b * outputWidth + i * width + h * e + c] = (propagated + moved + g * size + tau) * B.safety
          }
        }
      }
    }
    return out
  }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    guard needsInput else { return (Array(repeating: .infinity, count: p.batch * inputWidth), []) }
    return (backward(at: k, dy: dy, dyNorms: nil, p).dx, [])
  }

  /// The input gradient's error bounds, entrywise and (with `dyNorms`, the output gradient's row
  /// norms) per token row: per head, `dO`'s error norm `n_dO = min(‖E_dO‖, N_dO)`, and
  ///
  ///     ‖ΔdV_j‖ ≤ Σ_i (A_ij n_dOi + E_Aij (‖dO_i‖ + n_dOi)) + the rounding's norm
  ///     |ΔdA_ij| ≤ ‖dO_i‖ n_Vj + ‖V_j‖ n_dOi + n_dOi n_Vj + rounding   (Cauchy–Schwarz, or entrywise)
  ///     ‖ΔdQ_u‖ ≤ s Σ_w (|dS_uw| n_Kw + E_dSuw (‖K_w‖ + n_Kw)) + rounding, and `dK` likewise;
  ///
  /// the row's norm is `√(Σ_h ‖ΔdQ‖² + ‖ΔdK‖² + ‖ΔdV‖²)`.
  private func backward(at k: Int, dy: [Double], dyNorms: [Double]?, _ p: ErrorPropagation) -> (dx: [Double], norms: [Double]) {
    typealias B = GradientErrorBound
    let (t, e) = (tokens, headWidth)
    let (mags, errs, seed) = (p.magnitudes[k], p.errors[k], p.seedMagnitudes[k])
    let s = scale
    var dx = Array(repeating: 0.0, count: p.batch * inputWidth)
    var squares = Array(repeating: 0.0, count: p.batch * t)
    for b in 0..<p.batch {
      let o = { (i: Int, h: Int, c: Int) in b * self.outputWidth + i * self.width + h * e + c }
      for h in 0..<heads {
        let a = head(b, h, p, at: k)
        let (q, kn, v) = (partNorms(b, 0, h, p, at: k), partNorms(b, 1, h, p, at: k), partNorms(b, 2, h, p, at: k))
        // Per token, ‖dO_ih‖ (the exact seed's bound) and n_dO.
        let seedNorm = (0..<t).map { i in Normwise.rowNorms((0..<e).map { seed[o(i, h, $0)] }, row: e)[0] }
        let dyNorm = (0..<t).map { i in
          Normwise.tighter(Normwise.rowNorms((0..<e).map { dy[o(i, h, $0)] }, row: e)[0], dyNorms?[b * t + i] ?? .infinity)
        }
        // dA[i, j] = Σ_c dO[i, c] V[j, c] and its error.
        var dA = Array(repeating: 0.0, count: t * t), eDA = dA
        for i in 0..<t {
          for j in 0..<t {
            var (magnitude, propagated, size) = (0.0, 0.0, 0.0)
            for c in 0..<e {
              let (d, vv) = (o(i, h, c), at(b, 2, j, h, c))
              magnitude += seed[d] * mags[vv]
              propagated += seed[d] * errs[vv] + mags[vv] * dy[d] + dy[d] * errs[vv]
              size += (seed[d] + dy[d]) * (mags[vv] + errs[vv])
            }
            let normwise = (seedNorm[i] * v.error[j] + v.size[j] * dyNorm[i] + dyNorm[i] * v.error[j]) * B.safety
            dA[i * t + j] = magnitude * B.safety
            eDA[i * t + j] = (Normwise.tighter(propagated, normwise) + B.gamma(e) * size + B.tau(e)) * B.safety
          }
        }
        // dV[j, c] = Σ_i A[i, j] dO[i, c].
        for j in 0..<t {
          var (moved, rounding) = (0.0, [Double]())
          for i in 0..<t {
            let (pa, ea) = (a.weights[i * t + j], a.weightErrors[i * t + j])
            moved += pa * dyNorm[i] + ea * (seedNorm[i] + dyNorm[i])
          }
          for c in 0..<e {
            var (propagated, size) = (0.0, 0.0)
            for i in 0..<t {
              let (pa, ea, d) = (a.weights[i * t + j], a.weightErrors[i * t + j], o(i, h, c))
              propagated += pa * dy[d] + seed[d] * ea + ea * dy[d]
              size += (pa + ea) * (seed[d] + dy[d])
            }
            dx[at(b, 2, j, h, c)] = (propagated + B.gamma(t) * size + B.tau(t)) * B.safety
            rounding.append((B.gamma(t) * size + B.tau(t)) * B.safety)
          }
          let n = ((moved * B.safety + Normwise.rowNorms(rounding, row: e)[0]) * B.safety).nextUp
          squares[b * t + j] += n * n
        }
        // dS, row by row.
        var dS = Array(repeating: 0.0, count: t * t), eDS = dS
        for i in 0..<t {
          let r = (i * t)..<(i * t + t)
          let row = SoftmaxRow.backwardError(weights: Array(a.weights[r]), weightErrors: Array(a.weightErrors[r]),
                                             seeds: Array(dA[r]), seedErrors: Array(eDA[r]))
          dS.replaceSubrange(r, with: row.dzMagnitude)
          eDS.replaceSubrange(r, with: row.dz)
        }
        // dQ[i, c] = s Σ_j dS[i, j] K[j, c];  dK[j, c] = s Σ_i dS[i, j] Q[i, c].
        let g = B.gamma(t + 3), tau = B.tau(t + 3)
        for u in 0..<t {
          var (movedQ, movedK, roundingQ, roundingK) = (0.0, 0.0, [Double](), [Double]())
          for w in 0..<t {
            let (dsUW, esUW, dsWU, esWU) = (dS[u * t + w], eDS[u * t + w], dS[w * t + u], eDS[w * t + u])
            movedQ += dsUW * kn.error[w] + esUW * (kn.size[w] + kn.error[w])
            movedK += dsWU * q.error[w] + esWU * (q.size[w] + q.error[w])
          }
          for c in 0..<e {
            var (pq, sq, pk, sk) = (0.0, 0.0, 0.0, 0.0)
            for w in 0..<t {
              let (kw, qw) = (at(b, 1, w, h, c), at(b, 0, w, h, c))
              let (dsUW, esUW) = (dS[u * t + w], eDS[u * t + w])  // dS[u, w]: for dQ[u]
              pq += dsUW * errs[kw] + mags[kw] * esUW + esUW * errs[kw]
              sq += (dsUW + esUW) * (mags[kw] + errs[kw])
              let (dsWU, esWU) = (dS[w * t + u], eDS[w * t + u])  // dS[w, u]: for dK[u]
              pk += dsWU * errs[qw] + mags[qw] * esWU + esWU * errs[qw]
              sk += (dsWU + esWU) * (mags[qw] + errs[qw])
            }
            dx[at(b, 0, u, h, c)] = (s * pq + g * s * sq + tau) * B.safety
            dx[at(b, 1, u, h, c)] = (s * pk + g * s * sk + tau) * B.safety
            roundingQ.append((g * s * sq + tau) * B.safety)
            roundingK.append((g * s * sk + tau) * B.safety)
          }
          let nQ = ((s * movedQ * B.safety + Normwise.rowNorms(roundingQ, row: e)[0]) * B.safety).nextUp
          let nK = ((s * movedK * B.safety + Normwise.rowNorms(roundingK, row: e)[0]) * B.safety).nextUp
          squares[b * t + u] += nQ * nQ + nK * nK
        }
      }
    }
    return (dx, squares.map { (($0 * B.safety).squareRoot() * B.safety).nextUp })
  }
}

/// Norm-wise, per token row `i` and head `h` (Docs/Audits.md, "Norm-wise bounds"):
/// `Ô − O = A ΔV + ΔA ΔV + ΔA V` plus the rounding. With the exact weights summing to 1,
/// `‖Σ_j A_ij ΔV_j‖² ≤ Σ_j A_ij ‖ΔV_j‖²` (Cauchy–Schwarz), so over the heads the first part is at
/// most `√(Σ_j max_h P_ij N_Vj²)` (`P` the weights' bounds); the second `Σ_j E_Aij N_Vjh`; the third
/// the smaller of `Σ_j E_Aij ‖V_jh‖` and `Σ_j (M_ij ‖V_jh − m_h‖ + R_ij ‖V_jh‖)` (the rows of
/// `softmax(Ŝ) − A` sum to 0); the rounding `γ_T Σ_j Ā V̄ + τ` entrywise.
extension AttentionHeads: NormwiseErrorModel {
  func forwardNorms(at k: Int, input: [Double], inputNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let (t, e) = (tokens, headWidth)
    let (x, mags, errs) = (p.activations[k], p.magnitudes[k], p.errors[k])
    let g = B.gamma(t), tau = B.tau(t)
    var out: [Double] = []
    for b in 0..<p.batch {
      // Per token: Σ_h (the head's parts, squared) and, for the first part, Σ_j max_h P_ij N_Vj².
      var squares = Array(repeating: 0.0, count: t), firstPart = squares
      var largestWeight = Array(repeating: 0.0, count: t * t)
      for h in 0..<heads {
        let a = head(b, h, p, at: k)
        let v = partNorms(b, 2, h, p, at: k)
        var centred = Array(repeating: 0.0, count: t)
        for c in 0..<e {
          let cells = (0..<t).map { DirectedInterval(x, at(b, 2, $0, h, c)) }
          let middle = cells.map(\.lo).min()! / 2 + cells.map(\.hi).max()! / 2
          for j in 0..<t {
            let d = max((cells[j].hi - middle).nextUp, (middle - cells[j].lo).nextUp)
            centred[j] += d * d
          }
        }
        centred = centred.map { ($0.squareRoot() * B.safety).nextUp }
        for i in 0..<t {
          var (second, third, centredThird) = (0.0, 0.0, 0.0)
          var rounding = Array(repeating: 0.0, count: e)
          for j in 0..<t {
            let (pa, ea) = (a.weights[i * t + j], a.weightErrors[i * t + j])
            largestWeight[i * t + j] = max(largestWeight[i * t + j], pa)
            second += ea * v.error[j]
            third += ea * v.size[j]
            centredThird += a.moved[i * t + j] * centred[j] + a.rounding[i * t + j] * v.size[j]
            for c in 0..<e {
              let vj = at(b, 2, j, h, c)
              rounding[c] += (pa + ea) * (mags[vj] + errs[vj])
            }
          }
          let roundingNorm = Normwise.rowNorms(rounding.map { (g * $0 + tau) * B.safety }, row: e)[0]
          let moved = centredThird.isNaN ? third : Normwise.tighter(third, centredThird)
          let part = ((second + moved + roundingNorm) * B.safety).nextUp
          squares[i] += part * part
        }
      }
      for i in 0..<t {
        for j in 0..<t {
          let n = p.norm(k, row: b * t + j)
          firstPart[i] += largestWeight[i * t + j] * n * n
        }
        // (√a + √b)² ≤ 2(a + b) would lose: the two are added as norms.
        out.append(((firstPart[i] * B.safety).squareRoot() * B.safety + (squares[i] * B.safety).squareRoot() * B.safety).nextUp)
      }
    }
    return out
  }

  func backwardNorms(at k: Int, dy: [Double], dyNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    backward(at: k, dy: dy, dyNorms: dyNorms, p).norms
  }
}
