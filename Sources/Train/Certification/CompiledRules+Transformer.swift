/// The blocks of `Theorems/transformer.thm` the trainer's transformer layers implement, compiled in
/// (see `CompiledRules`): copies of the file's text, whose certificates must replay to exactly
/// these statements.
extension CompiledRules {
  /// The theorem file of the transformer blocks.
  static let transformerSource = "Theorems/transformer.thm"

  /// Declarations the blocks use (the same as the convolutional blocks').
  static let transformerPrelude = "const eps"

  static let transformerBlocks: [String: String] = [
    "layernorm": """
      layer layernorm(T, n)
        input x[T, n]
        param g[n], b[n]
        def mu[t: T] = (1 / n) * sum(j: n) x[t, j]
        def var[t: T] = (1 / n) * sum(j: n) (x[t, j] - mu[t]) ^ 2
        def rstd[t: T] = (var[t] + eps) ^ (-1/2)
        def xhat[t: T, i: n] = (x[t, i] - mu[t]) * rstd[t]
        output y[t: T, i: n] = g[i] * xhat[t, i] + b[i]
        assume eps > 0
        vjp x[t, i] = rstd[t] * (g[i] * dy[t, i] - (1 / n) * sum(j: n) g[j] * dy[t, j] - xhat[t, i] * (1 / n) * sum(j: n) g[j] * dy[t, j] * xhat[t, j])
        vjp g[i] = sum(t: T) dy[t, i] * xhat[t, i]
        vjp b[i] = sum(t: T) dy[t, i]
      """,
    "softmax_last": """
      layer softmax_last(T, n)
        input z[T, n]
        output y[t: T, i: n] = exp(z[t, i]) * (sum(k: n) exp(z[t, k])) ^ (-1)
        vjp z[t, i] = y[t, i] * (dy[t, i] - sum(j: n) y[t, j] * dy[t, j])
      """,
    "gelu": """
      layer gelu(n)
        input x[n]
        output y[i: n] = gelu(x[i])
        vjp x[i] = ((1 / 2) * (1 + erf(x[i] / sqrt(2))) + x[i] * exp(-x[i] ^ 2 / 2) / sqrt(2 * pi)) * dy[i]
      """,
    "gelu_tanh": """
      layer gelu_tanh(n)
        input x[n]
        def u[i: n] = sqrt(2 / pi) * (x[i] + (44715 / 1000000) * x[i] ^ 3)
        output y[i: n] = (1 / 2) * x[i] * (1 + tanh(u[i]))
        vjp x[i] = ((1 / 2) * (1 + tanh(u[i])) + (1 / 2) * x[i] * (1 - tanh(u[i]) ^ 2) * sqrt(2 / pi) * (1 + (134145 / 1000000) * x[i] ^ 2)) * dy[i]
      """,
    "dense_tokens": """
      layer dense_tokens(T, I, O)
        input x[T, I]
        param W[O, I], b[O]
        output y[t: T, o: O] = sum(i: I) W[o, i] * x[t, i] + b[o]
        vjp x[t, i] = sum(o: O) W[o, i] * dy[t, o]
        vjp W[o, i] = sum(t: T) dy[t, o] * x[t, i]
        vjp b[o] = sum(t: T) dy[t, o]
      """,
    "position_embedding": """
      layer position_embedding(T, D)
        input x[T, D]
        param P[T, D]
        output y[t: T, d: D] = x[t, d] + P[t, d]
        vjp x[t, d] = dy[t, d]
        vjp P[t, d] = dy[t, d]
      """,
    "token_meanpool": """
      layer token_meanpool(T, D)
        input x[T, D]
        output y[d: D] = (1 / T) * sum(t: T) x[t, d]
        vjp x[t, d] = (1 / T) * dy[d]
      """,
    "attention_heads": """
      layer attention_heads(T, H, E)
        input Q[T, H, E], K[T, H, E], V[T, H, E]
        def S[h: H, t: T, s: T] = (1 / sqrt(E)) * sum(e: E) Q[t, h, e] * K[s, h, e]
        def A[h: H, t: T, s: T] = exp(S[h, t, s]) / sum(r: T) exp(S[h, t, r])
        output O[t: T, h: H, e: E] = sum(s: T) A[h, t, s] * V[s, h, e]
        def dA[h: H, t: T, s: T] = sum(e: E) dy[t, h, e] * V[s, h, e]
        def dS[h: H, t: T, s: T] = A[h, t, s] * (dA[h, t, s] - sum(r: T) A[h, t, r] * dA[h, t, r])
        vjp Q[t, h, e] = (1 / sqrt(E)) * sum(s: T) dS[h, t, s] * K[s, h, e]
        vjp K[s, h, e] = (1 / sqrt(E)) * sum(t: T) dS[h, t, s] * Q[t, h, e]
        vjp V[s, h, e] = sum(t: T) A[h, t, s] * dy[t, h, e]
      """,
    "patch_embed2": """
      layer patch_embed2(C, D, H, W, K, GH, GW)
        input x[C, H, W]
        param w[D, C, K, K], b[D]
        output y[p: GH, q: GW, d: D] = sum(c: C, u: K, v: K) w[d, c, u, v] * x[c, 2*p + u, 2*q + v] + b[d]
        vjp x[c, h, s] = sum(d: D, p: GH, q: GW | 0 <= h - 2*p, h - 2*p < K, 0 <= s - 2*q, s - 2*q < K) w[d, c, h - 2*p, s - 2*q] * dy[p, q, d]
        vjp w[d, c, u, v] = sum(p: GH, q: GW) dy[p, q, d] * x[c, 2*p + u, 2*q + v]
        vjp b[d] = sum(p: GH, q: GW) dy[p, q, d]
      """,
    "patch_embed4": """
      layer patch_embed4(C, D, H, W, K, GH, GW)
        input x[C, H, W]
        param w[D, C, K, K], b[D]
        output y[p: GH, q: GW, d: D] = sum(c: C, u: K, v: K) w[d, c, u, v] * x[c, 4*p + u, 4*q + v] + b[d]
        vjp x[c, h, s] = sum(d: D, p: GH, q: GW | 0 <= h - 4*p, h - 4*p < K, 0 <= s - 4*q, s - 4*q < K) w[d, c, h - 4*p, s - 4*q] * dy[p, q, d]
        vjp w[d, c, u, v] = sum(p: GH, q: GW) dy[p, q, d] * x[c, 4*p + u, 4*q + v]
        vjp b[d] = sum(p: GH, q: GW) dy[p, q, d]
      """,
    "patch_embed7": """
      layer patch_embed7(C, D, H, W, K, GH, GW)
        input x[C, H, W]
        param w[D, C, K, K], b[D]
        output y[p: GH, q: GW, d: D] = sum(c: C, u: K, v: K) w[d, c, u, v] * x[c, 7*p + u, 7*q + v] + b[d]
        vjp x[c, h, s] = sum(d: D, p: GH, q: GW | 0 <= h - 7*p, h - 7*p < K, 0 <= s - 7*q, s - 7*q < K) w[d, c, h - 7*p, s - 7*q] * dy[p, q, d]
        vjp w[d, c, u, v] = sum(p: GH, q: GW) dy[p, q, d] * x[c, 7*p + u, 7*q + v]
        vjp b[d] = sum(p: GH, q: GW) dy[p, q, d]
      """,
    "patch_embed8": """
      layer patch_embed8(C, D, H, W, K, GH, GW)
        input x[C, H, W]
        param w[D, C, K, K], b[D]
        output y[p: GH, q: GW, d: D] = sum(c: C, u: K, v: K) w[d, c, u, v] * x[c, 8*p + u, 8*q + v] + b[d]
        vjp x[c, h, s] = sum(d: D, p: GH, q: GW | 0 <= h - 8*p, h - 8*p < K, 0 <= s - 8*q, s - 8*q < K) w[d, c, h - 8*p, s - 8*q] * dy[p, q, d]
        vjp w[d, c, u, v] = sum(p: GH, q: GW) dy[p, q, d] * x[c, 8*p + u, 8*q + v]
        vjp b[d] = sum(p: GH, q: GW) dy[p, q, d]
      """,
    "patch_embed14": """
      layer patch_embed14(C, D, H, W, K, GH, GW)
        input x[C, H, W]
        param w[D, C, K, K], b[D]
        output y[p: GH, q: GW, d: D] = sum(c: C, u: K, v: K) w[d, c, u, v] * x[c, 14*p + u, 14*q + v] + b[d]
        vjp x[c, h, s] = sum(d: D, p: GH, q: GW | 0 <= h - 14*p, h - 14*p < K, 0 <= s - 14*q, s - 14*q < K) w[d, c, h - 14*p, s - 14*q] * dy[p, q, d]
        vjp w[d, c, u, v] = sum(p: GH, q: GW) dy[p, q, d] * x[c, 14*p + u, 14*q + v]
        vjp b[d] = sum(p: GH, q: GW) dy[p, q, d]
      """,
    "patch_embed16": """
      layer patch_embed16(C, D, H, W, K, GH, GW)
        input x[C, H, W]
        param w[D, C, K, K], b[D]
        output y[p: GH, q: GW, d: D] = sum(c: C, u: K, v: K) w[d, c, u, v] * x[c, 16*p + u, 16*q + v] + b[d]
        vjp x[c, h, s] = sum(d: D, p: GH, q: GW | 0 <= h - 16*p, h - 16*p < K, 0 <= s - 16*q, s - 16*q < K) w[d, c, h - 16*p, s - 16*q] * dy[p, q, d]
        vjp w[d, c, u, v] = sum(p: GH, q: GW) dy[p, q, d] * x[c, 16*p + u, 16*q + v]
        vjp b[d] = sum(p: GH, q: GW) dy[p, q, d]
      """,
  ]
}
