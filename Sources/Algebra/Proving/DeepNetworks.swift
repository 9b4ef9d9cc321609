/// Theorem-language text of deep networks' gradient statements, one `def` per layer and a
/// backward chain of `def`s: what the chain-rule strategy is measured and tested on
/// (scripts/bench-engine, Docs/Engine.md "Composition").
public enum DeepNetworks {
  /// "The gradient of a depth-`depth` MLP's mean-squared-error loss with respect to the first
  /// weight matrix is the back-propagated delta times the input": `depth` dense layers with
  /// `activation` (`tanh` or `relu`) between them.
  public static func mlp(depth: Int, activation: String, biases: Bool) -> String {
    precondition(depth >= 2 && (activation == "tanh" || activation == "relu"))
    let width = { (k: Int) in k == depth ? "O" : "H" }
    var tensors = ["W1[H, I]"] + (2..<depth).map { "W\($0)[H, H]" } + ["W\(depth)[O, H]", "x[I]", "t[O]"]
    if biases { tensors += (1...depth).map { "b\($0)[\(width($0))]" } }
    var lines = ["dim I, H, O", "tensor " + tensors.joined(separator: ", ")]
    for k in 1...depth {
      let input = k == 1 ? "sum(i: I) W1[h, i] * x[i]" : "sum(i: H) W\(k)[h, i] * a\(k - 1)[i]"
      lines.append("def z\(k)[h: \(width(k))] = \(input)\(biases ? " + b\(k)[h]" : "")")
      if k < depth { lines.append("def a\(k)[h: H] = \(activation)(z\(k)[h])") }
    }
    lines.append("def loss = (1 / O) * sum(o: O) (z\(depth)[o] - t[o]) ^ 2")
    lines.append("def e\(depth)[o: O] = (2 / O) * (z\(depth)[o] - t[o])")
    for k in stride(from: depth - 1, through: 1, by: -1) {
      let derivative = activation == "tanh" ? "(1 - tanh(z\(k)[h]) ^ 2)" : "step(z\(k)[h])"
      lines.append("def e\(k)[h: H] = \(derivative) * sum(o: \(width(k + 1))) W\(k + 1)[o, h] * e\(k + 1)[o]")
    }
    let conditions = activation == "relu" ? (1..<depth).map { "\n  assume forall k: H. z\($0)[k] != 0" }.joined() : ""
    lines.append("theorem deep_\(activation)_\(depth): grad(loss, W1)[h, i] = e1[h] * x[i]\(conditions)")
    return lines.joined(separator: "\n") + "\n"
  }

  /// A stack of `blocks` residual blocks `r_k = r_(k-1) + V_k tanh(U_k r_(k-1))` on the input
  /// `x`, a squared-error loss, and the gradient with respect to the input.
  public static func residual(blocks: Int) -> String {
    precondition(blocks >= 1)
    let tensors = (1...blocks).flatMap { ["U\($0)[H, N]", "V\($0)[N, H]"] } + ["x[N]", "t[N]"]
    var lines = ["dim N, H", "tensor " + tensors.joined(separator: ", "), "def r0[n: N] = x[n]"]
    for k in 1...blocks {
      lines.append("def h\(k)[m: H] = tanh(sum(n: N) U\(k)[m, n] * r\(k - 1)[n])")
      lines.append("def r\(k)[n: N] = r\(k - 1)[n] + sum(m: H) V\(k)[n, m] * h\(k)[m]")
    }
    lines.append("def loss = sum(n: N) (r\(blocks)[n] - t[n]) ^ 2")
    lines.append("def g\(blocks)[n: N] = 2 * (r\(blocks)[n] - t[n])")
    for k in stride(from: blocks, through: 1, by: -1) {
      lines.append("def g\(k - 1)[n: N] = g\(k)[n] + sum(m: H) U\(k)[m, n] * (1 - tanh(sum(p: N) U\(k)[m, p] * r\(k - 1)[p]) ^ 2) * sum(q: N) V\(k)[q, m] * g\(k)[q]")
    }
    lines.append("theorem residual_\(blocks): grad(loss, x)[n] = g0[n]")
    return lines.joined(separator: "\n") + "\n"
  }
}
