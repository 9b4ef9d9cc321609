import Exact

extension IntervalBounds {
  /// Sound lower bounds over `box` of linear functions of the logits, `rows[r] · z + constants[r]`,
  /// by IBP or CROWN (for CROWN, the larger of its bound and IBP's, as for the margins).
  ///
  /// The functions are folded into the head exactly (`rows · W_L`, `rows · b_L + constants`), so
  /// they are bounded as the margins are, never through separate logit bounds: the margins
  /// `z_t − z_j` are the rows `e_t − e_j`.
  /// - Precondition: every row has one coefficient per class.
  public func lowerBounds(over box: InputBox, of rows: [[Rational]], plus constants: [Rational], method: BoundMethod) -> [Rational] {
    precondition(rows.count == constants.count && rows.allSatisfy { $0.count == network.classes }, "one coefficient per class and one constant per row")
    let head = folded(rows, constants)
    if method == .ibp {
      var h = enclosures(box)
      for transformer in body { h = transformer.propagate(h) }
      return head.propagate(h).map(arithmetic.lower)
    }
    let (nodes, _, _) = tightenedNodes(box)
    let ibpLower = head.propagate(nodes[nodes.count - 1]).map(arithmetic.lower)
    return zip(headLowerBounds(head, nodes: nodes, ibpLower: ibpLower), ibpLower).map { max($0, $1) }
  }

  /// The head composed with the rows, exactly: row `r` is `Σ_o rows[r][o] W_L[o]`, constant
  /// `Σ_o rows[r][o] b_L[o] + constants[r]`.
  private func folded(_ rows: [[Rational]], _ constants: [Rational]) -> DenseEnclosure<Arithmetic> {
    let head = network.head
    var weights: [Rational] = [], bias: [Rational] = []
    for (row, constant) in zip(rows, constants) {
      var b = constant
      var w = [Rational](repeating: 0, count: head.inputWidth)
      for (o, c) in row.enumerated() where c != 0 {
        for i in 0..<head.inputWidth { w[i] += c * Rational(exactlyFloat: head.weight(output: o, input: i)) }
        b += c * Rational(exactlyFloat: head.bias[o])
      }
      weights += w
      bias.append(b)
    }
    return DenseEnclosure(
      arithmetic: arithmetic, inputWidth: head.inputWidth, outputWidth: rows.count,
      weights: weights.map(arithmetic.enclosure), bias: bias.map(arithmetic.enclosure))
  }
}
