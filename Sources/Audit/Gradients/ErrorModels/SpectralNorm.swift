import Foundation

/// A certified upper bound of a matrix's spectral norm `‖W‖₂` (its largest singular value), for the
/// norm-wise error propagation through dense layers (`NormwiseErrorModel`). Power iteration gives
/// only a lower estimate; this bound holds whatever the matrix (Docs/Audits.md, "Norm-wise bounds"):
///
/// - Scale `W` by a power of two `s` (exact) so that `‖sW‖_F ≤ 1/2`, and form the Gram matrix
///   `G = (sW)ᵀ(sW)` of the smaller side, `d × d`, in Double. Each product of two Float32 values is
///   exact in Double; each entry is a sum of `m` of them, so `|Ĝ − G| ≤ γᴰ_m |sW|ᵀ|sW|` and
///   `‖Ĝ − G‖₂ ≤ ‖Ĝ − G‖_F ≤ γᴰ_m ‖sW‖_F² ≤ γᴰ_m` (`γᴰ` Double's `γ`). `Ĝ` is made exactly
///   symmetric (one triangle computed, mirrored); Weyl: `λ_max(G) ≤ λ_max(Ĝ) + γᴰ_m`.
/// - For the exact powers `B_i = Ĝ^(2^(i−1))`, `‖B_i‖_F² = tr Ĝ^(2^i) = Σ λ^(2^i) ≥ λ_max(Ĝ)^(2^i)`
///   (an even power: negative eigenvalues count too). The computed `B̂_{i+1} = fl(B̂_i B̂_i)` is within
///   `δ_{i+1} = (2 f_i + δ_i) δ_i + γᴰ_d f_i² + d²·2⁻¹⁰⁷⁴` of `B_{i+1}` in the Frobenius norm, with `f_i`
///   bounding `‖B̂_i‖_F` (`B̂²−B² = B̂(B̂−B) + (B̂−B)B`, and a dot product's rounding
///   `γᴰ_d |B̂||B̂|` whose Frobenius norm is at most `γᴰ_d ‖B̂‖_F²`).
/// - So `λ_max(Ĝ) ≤ (f_J + δ_J)^(1/2^(J−1))`, which overestimates by at most `rank^(1/2^J)`;
///   `J = 6` (five squarings: `Ĝ^32`) gives `rank^(1/128)` on `‖W‖₂`, below 1.05 up to rank 256.
///
/// Every Double result that is an upper bound is multiplied by `GradientErrorBound.safety`
/// (`pow` and `sqrt` by a further `1 + 10⁻¹²`, far above their errors).
enum SpectralNorm {
  static let squarings = 5

  /// `‖W‖₂` bounded above, `w` row-major `rows x columns`.
  static func upperBound(_ w: [Float], rows m: Int, columns n: Int) -> Double {
    precondition(w.count == m * n, "SpectralNorm: \(w.count) entries for \(m) x \(n)")
    let safety = GradientErrorBound.safety, margin = 1 + 1e-12
    let frobenius = (w.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
    guard frobenius > 0 else { return 0 }
    guard frobenius.isFinite else { return .infinity }
    // s = 2^−(e+2) with frobenius < 2^(e+1): ‖sW‖_F < 1/2 even if the computed norm is a little low.
    let e = frobenius.exponent
    let a = w.map { Double($0) * Double(sign: .plus, exponent: -(e + 2), significand: 1) }
    // The Gram matrix of the smaller side: d x d, each entry a sum of `length` exact products.
    let (d, length) = m <= n ? (m, n) : (n, m)
    let entry: (Int, Int) -> Double = m <= n ? { i, j in a[i * n + j] } : { i, j in a[j * n + i] }
    var g = Array(repeating: 0.0, count: d * d)
    for i in 0..<d {
      for j in i..<d {
        var s = 0.0
        for t in 0..<length { s += entry(i, t) * entry(j, t) }
        g[i * d + j] = s
        g[j * d + i] = s
      }
    }
    let gramError = gammaDouble(length) * safety
    var b = g, delta = 0.0
    let gammaD = gammaDouble(d), underflow = Double(d * d) * 0x1p-1074
    for _ in 0..<squarings {
      let f = frobeniusNorm(b) * safety
      b = symmetricSquare(b, d)
      delta = (((2 * f + delta) * delta + gammaD * f * f) * safety + underflow) * safety
    }
    let top = (frobeniusNorm(b) * safety + delta) * safety
    // λ_max(Ĝ) ≤ top^(1/2^(J−1)) with B_J = Ĝ^(2^squarings), ‖B_J‖_F² ≥ λ^(2^(squarings+1)).
    let lambda = pow(top, 1 / Double(1 << squarings)) * margin
    let norm = ((lambda + gramError) * safety).squareRoot() * margin
    return norm * Double(sign: .plus, exponent: e + 2, significand: 1)
  }

  /// Double's `γ_n = n 2⁻⁵³ / (1 − n 2⁻⁵³)`, rounded up.
  static func gammaDouble(_ n: Int) -> Double {
    let nu = Double(n) * 0x1p-53
    return (nu / (1 - nu)).nextUp
  }

  private static func frobeniusNorm(_ b: [Double]) -> Double { b.reduce(0.0) { $0 + $1 * $1 }.squareRoot() }

  /// `B B` for a symmetric `d x d` `B`: one triangle, mirrored, so the result is exactly symmetric.
  private static func symmetricSquare(_ b: [Double], _ d: Int) -> [Double] {
    var out = Array(repeating: 0.0, count: d * d)
    for i in 0..<d {
      for j in i..<d {
        var s = 0.0
        for t in 0..<d { s += b[i * d + t] * b[t * d + j] }
        out[i * d + j] = s
        out[j * d + i] = s
      }
    }
    return out
  }

  /// A lower estimate of `‖W‖₂` by power iteration (`‖W v‖/‖v‖` at the last iterate): every
  /// value it returns is at most `‖W‖₂` up to Double rounding. For tests and reports only.
  static func powerEstimate(_ w: [Float], rows m: Int, columns n: Int, iterations: Int = 200) -> Double {
    var v: [Double] = (0..<n).map { (j: Int) -> Double in
      let k: Int = (j * 7919 + 13) % 101
      return Double(k) / 101 + 0.01
    }
    var estimate = 0.0
    for _ in 0..<iterations {
      var wv = [Double](repeating: 0, count: m), next = [Double](repeating: 0, count: n)
      for i in 0..<m { for j in 0..<n { wv[i] += Double(w[i * n + j]) * v[j] } }
      for i in 0..<m { for j in 0..<n { next[j] += Double(w[i * n + j]) * wv[i] } }
      let norm = frobeniusNorm(v)
      estimate = frobeniusNorm(wv) / norm
      let size = frobeniusNorm(next)
      guard size > 0 else { break }
      next = next.map { $0 / size }
      v = next
    }
    return estimate
  }
}
