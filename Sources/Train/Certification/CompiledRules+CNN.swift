/// The blocks of `Theorems/cnn.thm` the trainer's convolutional layers implement, compiled in
/// (see `CompiledRules`): copies of the file's text, whose certificates must replay to exactly
/// these statements.
extension CompiledRules {
  /// The theorem file of the convolutional blocks.
  static let cnnSource = "Theorems/cnn.thm"

  /// Declarations the blocks use.
  static let cnnPrelude = "const eps"

  static let cnnBlocks: [String: String] = [
    "conv2d_s1": """
      layer conv2d_s1(C, D, H, W, K, OH, OW, P)
        input x[C, H, W]
        param w[D, C, K, K], b[D]
        output y[d: D, p: OH, q: OW] = sum(c: C, u: K, v: K) w[d, c, u, v] * x[c, p + u - P + 1, q + v - P + 1] + b[d]
        vjp x[c, h, s] = sum(d: D, p: OH, q: OW | 0 <= h + P - 1 - p, h + P - 1 - p < K, 0 <= s + P - 1 - q, s + P - 1 - q < K) w[d, c, h + P - 1 - p, s + P - 1 - q] * dy[d, p, q]
        vjp w[d, c, u, v] = sum(p: OH, q: OW) dy[d, p, q] * x[c, p + u - P + 1, q + v - P + 1]
        vjp b[d] = sum(p: OH, q: OW) dy[d, p, q]
      """,
    "conv2d_s2": """
      layer conv2d_s2(C, D, H, W, K, OH, OW, P)
        input x[C, H, W]
        param w[D, C, K, K], b[D]
        output y[d: D, p: OH, q: OW] = sum(c: C, u: K, v: K) w[d, c, u, v] * x[c, 2*p + u - P + 1, 2*q + v - P + 1] + b[d]
        vjp x[c, h, s] = sum(d: D, p: OH, q: OW | 0 <= h + P - 1 - 2*p, h + P - 1 - 2*p < K, 0 <= s + P - 1 - 2*q, s + P - 1 - 2*q < K) w[d, c, h + P - 1 - 2*p, s + P - 1 - 2*q] * dy[d, p, q]
        vjp w[d, c, u, v] = sum(p: OH, q: OW) dy[d, p, q] * x[c, 2*p + u - P + 1, 2*q + v - P + 1]
        vjp b[d] = sum(p: OH, q: OW) dy[d, p, q]
      """,
    "depthwise_conv2d_s1": """
      layer depthwise_conv2d_s1(C, H, W, K, OH, OW, P)
        input x[C, H, W]
        param w[C, K, K], b[C]
        output y[c: C, p: OH, q: OW] = sum(u: K, v: K) w[c, u, v] * x[c, p + u - P + 1, q + v - P + 1] + b[c]
        vjp x[c, h, s] = sum(p: OH, q: OW | 0 <= h + P - 1 - p, h + P - 1 - p < K, 0 <= s + P - 1 - q, s + P - 1 - q < K) w[c, h + P - 1 - p, s + P - 1 - q] * dy[c, p, q]
        vjp w[c, u, v] = sum(p: OH, q: OW) dy[c, p, q] * x[c, p + u - P + 1, q + v - P + 1]
        vjp b[c] = sum(p: OH, q: OW) dy[c, p, q]
      """,
    "depthwise_conv2d_s2": """
      layer depthwise_conv2d_s2(C, H, W, K, OH, OW, P)
        input x[C, H, W]
        param w[C, K, K], b[C]
        output y[c: C, p: OH, q: OW] = sum(u: K, v: K) w[c, u, v] * x[c, 2*p + u - P + 1, 2*q + v - P + 1] + b[c]
        vjp x[c, h, s] = sum(p: OH, q: OW | 0 <= h + P - 1 - 2*p, h + P - 1 - 2*p < K, 0 <= s + P - 1 - 2*q, s + P - 1 - 2*q < K) w[c, h + P - 1 - 2*p, s + P - 1 - 2*q] * dy[c, p, q]
        vjp w[c, u, v] = sum(p: OH, q: OW) dy[c, p, q] * x[c, 2*p + u - P + 1, 2*q + v - P + 1]
        vjp b[c] = sum(p: OH, q: OW) dy[c, p, q]
      """,
    "avgpool_s1": """
      layer avgpool_s1(C, H, W, K, OH, OW)
        input x[C, H, W]
        output y[c: C, p: OH, q: OW] = (1 / K) * (1 / K) * sum(u: K, v: K) x[c, p + u, q + v]
        vjp x[c, h, s] = (1 / K) * (1 / K) * sum(p: OH, q: OW | 0 <= h - p, h - p < K, 0 <= s - q, s - q < K) dy[c, p, q]
      """,
    "avgpool_s2": """
      layer avgpool_s2(C, H, W, K, OH, OW)
        input x[C, H, W]
        output y[c: C, p: OH, q: OW] = (1 / K) * (1 / K) * sum(u: K, v: K) x[c, 2*p + u, 2*q + v]
        vjp x[c, h, s] = (1 / K) * (1 / K) * sum(p: OH, q: OW | 0 <= h - 2*p, h - 2*p < K, 0 <= s - 2*q, s - 2*q < K) dy[c, p, q]
      """,
    "global_avgpool": """
      layer global_avgpool(C, H, W)
        input x[C, H, W]
        output y[c: C] = (1 / H) * (1 / W) * sum(h: H, s: W) x[c, h, s]
        vjp x[c, h, s] = (1 / H) * (1 / W) * dy[c]
      """,
    "dense_chw": """
      layer dense_chw(C, H, L, O)
        input x[C, H, L]
        param W[O, C, H, L], b[O]
        output y[o: O] = sum(c: C, h: H, s: L) W[o, c, h, s] * x[c, h, s] + b[o]
        vjp x[c, h, s] = sum(o: O) W[o, c, h, s] * dy[o]
        vjp W[o, c, h, s] = dy[o] * x[c, h, s]
        vjp b[o] = dy[o]
      """,
    "batchnorm": """
      layer batchnorm(N, C, H, L)
        input x[N, C, H, L]
        param g[C], b[C]
        output y[n: N, c: C, h: H, s: L] = g[c] * (x[n, c, h, s] - (1 / N) * (1 / H) * (1 / L) * sum(n10: N, h10: H, s10: L) x[n10, c, h10, s10]) * ((1 / N) * (1 / H) * (1 / L) * sum(n20: N, h20: H, s20: L) (x[n20, c, h20, s20] - (1 / N) * (1 / H) * (1 / L) * sum(n21: N, h21: H, s21: L) x[n21, c, h21, s21]) ^ 2 + eps) ^ (-1/2) + b[c]
        assume eps > 0
        vjp x[n, c, h, s] = g[c] * ((1 / N) * (1 / H) * (1 / L) * sum(n13: N, h13: H, s13: L) (x[n13, c, h13, s13] - (1 / N) * (1 / H) * (1 / L) * sum(n14: N, h14: H, s14: L) x[n14, c, h14, s14]) ^ 2 + eps) ^ (-1/2) * dy[n, c, h, s] - g[c] * ((1 / N) * (1 / H) * (1 / L) * sum(n15: N, h15: H, s15: L) (x[n15, c, h15, s15] - (1 / N) * (1 / H) * (1 / L) * sum(n16: N, h16: H, s16: L) x[n16, c, h16, s16]) ^ 2 + eps) ^ (-1/2) * (1 / N) * (1 / H) * (1 / L) * sum(n11: N, h11: H, s11: L) dy[n11, c, h11, s11] - g[c] * ((1 / N) * (1 / H) * (1 / L) * sum(n17: N, h17: H, s17: L) (x[n17, c, h17, s17] - (1 / N) * (1 / H) * (1 / L) * sum(n18: N, h18: H, s18: L) x[n18, c, h18, s18]) ^ 2 + eps) ^ (-3/2) * (x[n, c, h, s] - (1 / N) * (1 / H) * (1 / L) * sum(n10: N, h10: H, s10: L) x[n10, c, h10, s10]) * (1 / N) * (1 / H) * (1 / L) * sum(n12: N, h12: H, s12: L) dy[n12, c, h12, s12] * (x[n12, c, h12, s12] - (1 / N) * (1 / H) * (1 / L) * sum(n19: N, h19: H, s19: L) x[n19, c, h19, s19])
        vjp g[c] = sum(n: N, h: H, s: L) dy[n, c, h, s] * (x[n, c, h, s] - (1 / N) * (1 / H) * (1 / L) * sum(n10: N, h10: H, s10: L) x[n10, c, h10, s10]) * ((1 / N) * (1 / H) * (1 / L) * sum(n22: N, h22: H, s22: L) (x[n22, c, h22, s22] - (1 / N) * (1 / H) * (1 / L) * sum(n23: N, h23: H, s23: L) x[n23, c, h23, s23]) ^ 2 + eps) ^ (-1/2)
        vjp b[c] = sum(n: N, h: H, s: L) dy[n, c, h, s]
      """,
    "batchnorm_eval": """
      layer batchnorm_eval(C, H, W)
        input x[C, H, W], m[C], v[C]
        param g[C], b[C]
        output y[c: C, h: H, s: W] = g[c] * (x[c, h, s] - m[c]) * (v[c] + eps) ^ (-1/2) + b[c]
        assume forall k: C. v[k] + eps > 0
        vjp x[c, h, s] = g[c] * (v[c] + eps) ^ (-1/2) * dy[c, h, s]
        vjp g[c] = sum(h: H, s: W) dy[c, h, s] * (x[c, h, s] - m[c]) * (v[c] + eps) ^ (-1/2)
        vjp b[c] = sum(h: H, s: W) dy[c, h, s]
      """,
  ]

  /// The max-pooling rule of `Theorems/maxpool.thm` (a theorem with its declarations, not a
  /// layer block: see the file).
  static let maxpoolSource = "Theorems/maxpool.thm"

  static let maxpoolText = """
    dim C, H, W, OH, OW
    tensor x[C, H, W], dy[C, OH, OW]
    def y[c: C, p: OH, q: OW] = (x[c, 2*p + 1, 2*q + 1] + relu(x[c, 2*p + 1, 2*q] - x[c, 2*p + 1, 2*q + 1])) + relu((x[c, 2*p, 2*q + 1] + relu(x[c, 2*p, 2*q] - x[c, 2*p, 2*q + 1])) - (x[c, 2*p + 1, 2*q + 1] + relu(x[c, 2*p + 1, 2*q] - x[c, 2*p + 1, 2*q + 1])))
    theorem maxpool2_s2.x: vjp(c: C, p: OH, q: OW -> y[c, p, q], x, dy)[c, h, s] = sum(p: OH, q: OW | h == 2*p, s == 2*q) dy[c, p, q] * step((x[c, 2*p, 2*q + 1] + relu(x[c, 2*p, 2*q] - x[c, 2*p, 2*q + 1])) - (x[c, 2*p + 1, 2*q + 1] + relu(x[c, 2*p + 1, 2*q] - x[c, 2*p + 1, 2*q + 1]))) * step(x[c, 2*p, 2*q] - x[c, 2*p, 2*q + 1]) + sum(p: OH, q: OW | h == 2*p, s == 2*q + 1) dy[c, p, q] * step((x[c, 2*p, 2*q + 1] + relu(x[c, 2*p, 2*q] - x[c, 2*p, 2*q + 1])) - (x[c, 2*p + 1, 2*q + 1] + relu(x[c, 2*p + 1, 2*q] - x[c, 2*p + 1, 2*q + 1]))) * (1 - step(x[c, 2*p, 2*q] - x[c, 2*p, 2*q + 1])) + sum(p: OH, q: OW | h == 2*p + 1, s == 2*q) dy[c, p, q] * (1 - step((x[c, 2*p, 2*q + 1] + relu(x[c, 2*p, 2*q] - x[c, 2*p, 2*q + 1])) - (x[c, 2*p + 1, 2*q + 1] + relu(x[c, 2*p + 1, 2*q] - x[c, 2*p + 1, 2*q + 1])))) * step(x[c, 2*p + 1, 2*q] - x[c, 2*p + 1, 2*q + 1]) + sum(p: OH, q: OW | h == 2*p + 1, s == 2*q + 1) dy[c, p, q] * (1 - step((x[c, 2*p, 2*q + 1] + relu(x[c, 2*p, 2*q] - x[c, 2*p, 2*q + 1])) - (x[c, 2*p + 1, 2*q + 1] + relu(x[c, 2*p + 1, 2*q] - x[c, 2*p + 1, 2*q + 1])))) * (1 - step(x[c, 2*p + 1, 2*q] - x[c, 2*p + 1, 2*q + 1]))
      assume forall c: C, p: OH, q: OW. x[c, 2*p, 2*q] - x[c, 2*p, 2*q + 1] != 0
      assume forall c: C, p: OH, q: OW. x[c, 2*p + 1, 2*q] - x[c, 2*p + 1, 2*q + 1] != 0
      assume forall c: C, p: OH, q: OW. (x[c, 2*p, 2*q + 1] + relu(x[c, 2*p, 2*q] - x[c, 2*p, 2*q + 1])) - (x[c, 2*p + 1, 2*q + 1] + relu(x[c, 2*p + 1, 2*q] - x[c, 2*p + 1, 2*q + 1])) != 0
    """
}
