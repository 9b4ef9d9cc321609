/// The theorem-language statements of the layer rules the trainer's code implements, compiled in.
///
/// Building a model checks each of its layers' rules against these texts: the rule's certificate
/// must replay through the kernel to exactly the theorem stated here (`RuleCertification`). They are
/// copies of the blocks of `Theorems/layers.thm`; if that file changes, the certificates follow it
/// and the trainer refuses them as stale until this code (and the statement it implements) is
/// updated too. A test checks that the two agree.
enum CompiledRules {
  /// The theorem file the blocks are copied from, whose certificates they are checked against.
  static let source = "Theorems/layers.thm"

  /// Declarations the blocks use.
  static let prelude = "const p"

  /// The `layer` block of each certified block name.
  static let blocks: [String: String] = [
    "dense": """
      layer dense(I, O)
        input x[I]
        param W[O, I], b[O]
        output y[o: O] = sum(i: I) W[o, i] * x[i] + b[o]
        vjp x[i] = sum(o: O) W[o, i] * dy[o]
        vjp W[o, i] = dy[o] * x[i]
        vjp b[o] = dy[o]
      """,
    "relu": """
      layer relu(n)
        input x[n]
        output y[i: n] = relu(x[i])
        assume forall k: n. x[k] != 0
        vjp x[i] = step(x[i]) * dy[i]
      """,
    "sigmoid": """
      layer sigmoid(n)
        input x[n]
        output y[i: n] = sigmoid(x[i])
        vjp x[i] = sigmoid(x[i]) * (1 - sigmoid(x[i])) * dy[i]
      """,
    "tanh": """
      layer tanh(n)
        input x[n]
        output y[i: n] = tanh(x[i])
        vjp x[i] = (1 - tanh(x[i]) ^ 2) * dy[i]
      """,
    "dropout": """
      layer dropout(n)
        input x[n], m[n]
        output y[i: n] = m[i] * x[i] / p
        vjp x[i] = m[i] * dy[i] / p
      """,
    "mse": """
      layer mse(n)
        input y[n], t[n]
        output L = (1 / n) * sum(i: n) (y[i] - t[i]) ^ 2
        vjp y[i] = (2 / n) * (y[i] - t[i])
      """,
    "softmax_cross_entropy": """
      layer softmax_cross_entropy(n)
        input z[n], t[n]
        output L = -sum(i: n) t[i] * (z[i] - log(sum(j: n) exp(z[j])))
        assume sum(i: n) t[i] = 1
        vjp z[i] = exp(z[i]) / sum(j: n) exp(z[j]) - t[i]
      """,
  ]
}
