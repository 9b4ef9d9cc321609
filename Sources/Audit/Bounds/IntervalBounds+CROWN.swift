import Exact

// CROWN (Zhang et al. 2018) in an enclosure arithmetic. A linear lower bound
//
//     m(x) ≥ Σ_j Λ_j h_j(x) + γ      for every x in the box,
//
// is pushed back one layer at a time: each ReLU is replaced by a linear function of its
// pre-activation that bounds it from the side the coefficient's sign calls for, then the dense layer
// is substituted. At the input, Σ Λ_i x_i is minimized over the box. Λ and γ are enclosures: the
// statement holds for reals Λ*, γ* they contain, so the final lower endpoint is a sound bound.

extension IntervalBounds {
  /// CROWN bounds: each hidden layer's pre-activation bounds are the intersection of IBP (from the
  /// previous layer's bounds) and CROWN back to the input; the margins' lower bound is the larger
  /// of CROWN's and IBP's (CROWN alone is not always tighter; `crownMarginLower` keeps it).
  ///
  /// ReLU relaxations, for pre-activation bounds `l < 0 < u`: above, the chord
  /// `u (z − l) / (u − l)`; below, `0` when `−l > u` and `z` otherwise. Stable ReLUs are exact.
  /// - Precondition: `box.count == network.inputWidth`, `trueClass` is a class.
  public func crown(over box: InputBox, trueClass: Int) -> NetworkBounds<Rational> {
    checkClass(trueClass)
    let x = enclosures(box)
    var lower: [[Rational]] = [], upper: [[Rational]] = []
    var boxes: [[Bound]] = []  // relu of each hidden layer's bounds
    for k in 0..<(network.layers.count - 1) {
      // IBP from the previous layer's (already intersected) bounds; exact for the first layer,
      // where CROWN would give the same box.
      let z = affine(layer: k, k == 0 ? x : boxes[k - 1])
      var l = z.map(arithmetic.lower), u = z.map(arithmetic.upper)
      if k > 0 {
        let n = network.layers[k].inputWidth
        let rows = (0..<network.layers[k].outputWidth).map { Array(weights[k][($0 * n)..<(($0 + 1) * n)]) }
        let below = backward(rows, biases[k], top: k - 1, x: x, lower: lower, upper: upper, boxes: boxes)
        let above = backward(
          rows.map { $0.map(arithmetic.negation) }, biases[k].map(arithmetic.negation),
          top: k - 1, x: x, lower: lower, upper: upper, boxes: boxes)
        for i in l.indices {
          l[i] = max(l[i], below[i])
          u[i] = min(u[i], -above[i])
          precondition(l[i] <= u[i], "IBP and CROWN bounds are disjoint: one of them is unsound")
        }
      }
      lower.append(l)
      upper.append(u)
      boxes.append(zip(l, u).map { arithmetic.relu(arithmetic.enclosure(lower: $0, upper: $1)) })
    }
    let ibp = margins(trueClass: trueClass, boxes.last ?? x)
    let ibpLower = ibp.map(arithmetic.lower)
    let crownLower: [Rational]
    if network.layers.count == 1 {
      crownLower = ibpLower  // one affine layer: IBP is already the exact box bound
    } else {
      let n = network.layers[network.layers.count - 1].inputWidth
      let rows = (0..<(network.classes - 1)).map { Array(marginWeights[trueClass][($0 * n)..<(($0 + 1) * n)]) }
      crownLower = backward(
        rows, marginBiases[trueClass], top: network.layers.count - 2, x: x, lower: lower, upper: upper, boxes: boxes)
    }
    return NetworkBounds(
      trueClass: trueClass, otherClasses: otherClasses(trueClass), hiddenLower: lower, hiddenUpper: upper,
      marginLower: zip(crownLower, ibpLower).map { max($0, $1) }, marginUpper: ibp.map(arithmetic.upper),
      crownMarginLower: crownLower)
  }

  /// Lower bounds of `Λ_r · h_top(x) + γ_r` over the box, for each row `r`: the backward pass.
  ///
  /// - Parameters:
  ///   - rows: `Λ`, one row per bound, each as wide as hidden layer `top`.
  ///   - constants: `γ`.
  ///   - top: the hidden layer whose post-ReLU values `Λ` multiplies.
  ///   - lower, upper, boxes: pre-activation bounds and post-ReLU enclosures of layers `0...top`.
  func backward(
    _ rows: [[Bound]], _ constants: [Bound], top: Int, x: [Bound],
    lower: [[Rational]], upper: [[Rational]], boxes: [[Bound]]
  ) -> [Rational] {
    var lambda = rows, gamma = constants
    for k in stride(from: top, through: 0, by: -1) {
      let layer = network.layers[k]
      let relaxations = (0..<layer.outputWidth).map { ReLURelaxation(lower: lower[k][$0], upper: upper[k][$0], arithmetic) }
      for r in lambda.indices {
        // P_j: the coefficient of z_j once h_j is relaxed; nil where it is 0.
        var p = [Bound?](repeating: nil, count: layer.outputWidth)
        for j in 0..<layer.outputWidth {
          let coefficient = lambda[r][j]
          switch relaxations[j] {
          case .inactive:
            break  // h_j = 0 on the box
          case .active:
            p[j] = coefficient  // h_j = z_j on the box
          case let .unstable(lowerSlopeIsOne, chordSlope, chordIntercept):
            if arithmetic.isNonnegative(coefficient) {
              // λ ≥ 0 needs h_j from below: h ≥ 0 and h ≥ z both hold.
              if lowerSlopeIsOne { p[j] = coefficient }
            } else if arithmetic.isNonpositive(coefficient) {
              // λ ≤ 0 needs h_j from above: the chord s z + t.
              p[j] = arithmetic.product(coefficient, chordSlope)
              arithmetic.addProduct(&gamma[r], coefficient, chordIntercept)
            } else {
              // The enclosure of λ straddles 0 (only from rounding, so λ is tiny): bound λ h_j by
              // the enclosure of h_j itself and move it into the constant.
              arithmetic.addProduct(&gamma[r], coefficient, boxes[k][j])
            }
          }
        }
        // Substitute z = W h_prev + b.
        var next = [Bound](repeating: arithmetic.enclosure(Rational(0)), count: layer.inputWidth)
        for j in 0..<layer.outputWidth {
          guard let pj = p[j] else { continue }
          arithmetic.addProduct(&gamma[r], pj, biases[k][j])
          let row = j * layer.inputWidth
          for i in 0..<layer.inputWidth { arithmetic.addProduct(&next[i], pj, weights[k][row + i]) }
        }
        lambda[r] = next
      }
    }
    // Λ now multiplies the input: its minimum over the box is the lower endpoint of Σ Λ_i X_i.
    return lambda.indices.map { r in
      var sum = gamma[r]
      for (coefficient, xi) in zip(lambda[r], x) { arithmetic.addProduct(&sum, coefficient, xi) }
      return arithmetic.lower(sum)
    }
  }
}

/// How one ReLU is replaced by linear bounds, given its pre-activation bounds `[l, u]`.
enum ReLURelaxation<Arithmetic: BoundArithmetic> {
  /// `u ≤ 0`: the ReLU is 0.
  case inactive
  /// `l ≥ 0`: the ReLU is the identity.
  case active
  /// `l < 0 < u`: below by `0` (`lowerSlopeIsOne` false, when `−l > u`) or `z`; above by the
  /// chord `s z + t` with `s = u / (u − l)` and `t = −u l / (u − l)`, as enclosures.
  case unstable(lowerSlopeIsOne: Bool, chordSlope: Arithmetic.Bound, chordIntercept: Arithmetic.Bound)

  init(lower l: Rational, upper u: Rational, _ arithmetic: Arithmetic) {
    if u.signum <= 0 {
      self = .inactive
    } else if l.signum >= 0 {
      self = .active
    } else {
      let width = arithmetic.enclosure(u - l)
      self = .unstable(
        lowerSlopeIsOne: -l <= u,
        chordSlope: arithmetic.quotient(arithmetic.enclosure(u), width),
        chordIntercept: arithmetic.quotient(arithmetic.enclosure(-(u * l)), width))
    }
  }
}
