import Exact

// CROWN (Zhang et al. 2018) in an enclosure arithmetic. A linear lower bound
//
//     m(x) ≥ Σ_j Λ_j y_j(x) + γ      for every x in the box,
//
// with y the output of some layer, is pushed back one layer at a time: each layer's transformer
// substitutes its own input (an affine layer exactly, a ReLU through a linear bound on the side the
// coefficient's sign calls for). At the input, Σ Λ_i x_i is minimized over the box. Λ and γ are
// enclosures: the statement holds for reals Λ*, γ* they contain, so the final lower endpoint is a
// sound bound.

extension IntervalBounds {
  /// CROWN bounds: the input of each non-affine layer is bounded by the intersection of IBP (from
  /// the previous layer's bounds) and CROWN back to the input. CROWN is skipped where one layer
  /// separates it from the input box (IBP is then exact) and where the input is a ReLU's or max
  /// pool's output: their relaxations at tightened input bounds never beat IBP's box there, so
  /// CROWN could not tighten it (a max pool after a ReLU, in a CNN). A ReLU's input is tightened
  /// only where IBP leaves it straddling 0: elsewhere the ReLU is exact whatever its bounds (as
  /// auto_LiRPA's sparse intermediate bounds). The margins' lower bound is the larger of CROWN's
  /// and IBP's (CROWN alone is not always tighter; `crownMarginLower` keeps it).
  /// - Precondition: `box.count == network.inputWidth`, `trueClass` is a class.
  public func crown(over box: InputBox, trueClass: Int) -> NetworkBounds<Rational> {
    checkClass(trueClass)
    let (nodes, lower, upper) = tightenedNodes(box)
    let ibp = margins[trueClass].propagate(nodes[nodes.count - 1])
    let ibpLower = ibp.map(arithmetic.lower)
    let crownLower = headLowerBounds(margins[trueClass], nodes: nodes, ibpLower: ibpLower)
    return NetworkBounds(
      trueClass: trueClass, otherClasses: otherClasses(trueClass), hiddenLower: lower, hiddenUpper: upper,
      marginLower: zip(crownLower, ibpLower).map { max($0, $1) }, marginUpper: ibp.map(arithmetic.upper),
      crownMarginLower: crownLower)
  }

  /// CROWN's lower bounds of a folded head's rows over the box whose layer inputs are `nodes`.
  func headLowerBounds(_ head: DenseEnclosure<Arithmetic>, nodes: [[Bound]], ibpLower: [Rational]) -> [Rational] {
    if body.isEmpty { return ibpLower }  // one affine layer: IBP is already the exact box bound
    let n = head.inputWidth
    let rows = (0..<head.outputWidth).map { Array(head.weights[($0 * n)..<(($0 + 1) * n)]) }
    return backward(rows, head.bias, through: body.count - 1, nodes: nodes)
  }

  /// Each layer's input over the box, the inputs of non-affine layers tightened by CROWN back to
  /// the input (`nodes[0]` is the box), and those tightened bounds.
  func tightenedNodes(_ box: InputBox) -> (nodes: [[Bound]], lower: [[Rational]], upper: [[Rational]]) {
    var nodes = [enclosures(box)]  // each layer's input, as tightened
    var lower: [[Rational]] = [], upper: [[Rational]] = []
    for k in body.indices {
      var z = body[k].propagate(nodes[k])
      if !network.layers[k + 1].isAffine {
        var l = z.map(arithmetic.lower), u = z.map(arithmetic.upper)
        if k >= 1 && network.layers[k].isAffine {
          let zero = arithmetic.enclosure(Rational(0)), one = arithmetic.enclosure(Rational(1))
          // Rows for the outputs the next layer needs tightened (a ReLU: those straddling 0).
          let onlyStraddling = network.layers[k + 1].tightensOnlyStraddlingZero
          let targets = z.indices.filter { !onlyStraddling || (l[$0].signum < 0 && u[$0].signum > 0) }
          let identity = targets.map { i in z.indices.map { $0 == i ? one : zero } }
          let constants = [Bound](repeating: zero, count: targets.count)
          let below = backward(identity, constants, through: k, nodes: nodes)
          let above = backward(identity.map { $0.map(arithmetic.negation) }, constants, through: k, nodes: nodes)
          for (t, i) in targets.enumerated() {
            l[i] = max(l[i], below[t])
            u[i] = min(u[i], -above[t])
            precondition(l[i] <= u[i], "IBP and CROWN bounds are disjoint: one of them is unsound")
          }
        }
        lower.append(l)
        upper.append(u)
        z = zip(l, u).map { arithmetic.enclosure(lower: $0, upper: $1) }
      }
      nodes.append(z)
    }
    return (nodes, lower, upper)
  }

  /// Lower bounds of `Λ_r · y + γ_r` over the box, for each row `r`, with `y` the output of layer
  /// `top`: the backward pass through layers `top, ..., 0`, then the minimum over the input box.
  /// - Parameter nodes: the enclosures of each layer's input, `nodes[0]` the box.
  func backward(_ rows: [[Bound]], _ constants: [Bound], through top: Int, nodes: [[Bound]]) -> [Rational] {
    var lambda = rows, gamma = constants
    for k in stride(from: top, through: 0, by: -1) {
      body[k].substitute(&lambda, &gamma, input: nodes[k])
    }
    // Λ now multiplies the input: its minimum over the box is the lower endpoint of Σ Λ_i X_i.
    return lambda.indices.map { r in
      var sum = gamma[r]
      for (coefficient, xi) in zip(lambda[r], nodes[0]) { arithmetic.addProduct(&sum, coefficient, xi) }
      return arithmetic.lower(sum)
    }
  }
}
