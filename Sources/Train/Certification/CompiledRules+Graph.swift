/// The blocks of `Theorems/graph.thm` the trainer's graph layers implement (`Add`, `Mul`),
/// compiled in (see `CompiledRules`): copies of the file's text, whose certificates must replay to
/// exactly these statements.
extension CompiledRules {
  /// The theorem file of the graph blocks.
  static let graphSource = "Theorems/graph.thm"

  static let graphBlocks: [String: String] = [
    "add": """
      layer add(n)
        input x[n], z[n]
        output y[i: n] = x[i] + z[i]
        vjp x[i] = dy[i]
        vjp z[i] = dy[i]
      """,
    "mul": """
      layer mul(n)
        input x[n], z[n]
        output y[i: n] = x[i] * z[i]
        vjp x[i] = z[i] * dy[i]
        vjp z[i] = x[i] * dy[i]
      """,
  ]
}
