import ProofKernel

/// What a formula layer runs, read off the certified theorem
/// `vjp(i: W -> y[i], x, dy)[j] = g`: the forward formula `y[i]` (free index `i`), the rule `g`
/// (free index `j`), the names of `x` and `dy`, the dimension, and the hypotheses to count at run
/// time (the theorem's, less the range of `j`, which the evaluator keeps by construction).
struct FormulaParts {
  let dimension: String
  let input: String
  let seed: String
  let forward: Term
  let forwardIndex: String
  let backward: Term
  let backwardIndex: String
  let hypotheses: [Proposition]

  /// The forward program for `n` inputs and `m` outputs, counting the hypotheses' failures when
  /// `checks`.
  func forward<S: FormulaScalar>(_: FormulaProgram<S>.Type, _ n: Int, _ m: Int, checks: Bool = true) throws -> FormulaProgram<S> {
    try FormulaProgram(forward, index: forwardIndex, width: m, dimensions: [dimension: n], operands: [(input, n)],
                       hypotheses: checks ? hypotheses : [])
  }

  /// The backward program (the rule) for `n` inputs and `m` outputs.
  func backward<S: FormulaScalar>(_: FormulaProgram<S>.Type, _ n: Int, _ m: Int) throws -> FormulaProgram<S> {
    try FormulaProgram(backward, index: backwardIndex, width: n, dimensions: [dimension: n], operands: [(input, n), (seed, m)])
  }
}

extension FormulaLayer {
  /// The parts of `theorem` for a layer with `n` inputs.
  /// - Throws: `SpecError` when the theorem is not a vjp of one vector output at a plain index, or
  ///   an assumption about the dimension alone fails at `n`.
  static func parts(of theorem: Theorem, _ spec: FormulaLayerSpec, inputs n: Int) throws -> FormulaParts {
    guard case let .vjp(v) = theorem.lhs.node, let seed = v.seed, v.binders.count == 1, v.at.count == 1,
          v.at[0].constant == 0, v.at[0].terms.count == 1, v.at[0].terms[0].coefficient == 1,
          case let .index(j) = v.at[0].terms[0].variable
    else { throw spec.error(at: "layer", "layer \(spec.name): the certified theorem is not a vjp of a vector output: \(theorem)") }
    let dimension = spec.layer.dimensions[0]
    var hypotheses: [Proposition] = []
    for h in theorem.hypotheses {
      guard case let .holds(g) = h else {
        hypotheses.append(h)
        continue
      }
      if !g.indices.isEmpty, g.indices.isSubset(of: [j]) { continue }  // the range of j
      guard g.indices.isEmpty else {
        throw spec.error(at: "assume", "layer \(spec.name): the trainer cannot check the assumption \(h)")
      }
      for c in g.constraints {
        var value = c.expression.constant
        for (_, k) in c.expression.terms { value += k * n }
        guard c.relation == .equal ? value == 0 : value >= 0 else {
          throw spec.error(at: "assume", "layer \(spec.name) assumes \(g), which does not hold for \(dimension) = \(n)")
        }
      }
    }
    return FormulaParts(dimension: dimension, input: v.wrt.name, seed: seed.name, forward: v.output, forwardIndex: v.binders[0],
                        backward: theorem.rhs, backwardIndex: j, hypotheses: hypotheses)
  }
}
