import Exact

extension FastBounds {
  /// Sound lower bounds over `box` of linear functions of the logits, `rows[r] · z + constants[r]`,
  /// by IBP or CROWN in Float64 (for CROWN, the larger of its bound and IBP's), as
  /// `IntervalBounds.lowerBounds(over:of:plus:method:)` computes them in MPFI or exact arithmetic.
  ///
  /// The functions are folded into the head in rationals and each folded coefficient rounded to
  /// the nearest Double; the rounding is the row's slack (`FastAffine.slack`), so the bound holds for
  /// the exact folded row. A NaN bound (an overflow) is returned as −∞.
  /// - Precondition: every row has one coefficient per class; `box` has `network.inputWidth` coordinates.
  public func lowerBounds(over box: InputBox, of rows: [[Rational]], plus constants: [Rational], method: BoundMethod) -> [Double] {
    precondition(rows.count == constants.count && rows.allSatisfy { $0.count == classes }, "one coefficient per class and one constant per row")
    guard !rows.isEmpty else { return [] }
    let specification = FastAffine(folding: rows, plus: constants, into: network.head)
    let workspace = FastWorkspace()
    let input = FastBounds.batch([box][...], width: network.inputWidth)
    let nodes = method == .ibp
      ? [body.reduce(input) { $1.propagate($0, workspace) }]
      : tightenedNodes(input, workspace)
    let last = nodes[nodes.count - 1]
    let ibpLower = specification.propagate(last, workspace).lower
    guard method == .crown, !body.isEmpty else { return ibpLower.map { $0.replacingNaN(with: -.infinity) } }
    let n = specification.inputWidth
    let largest = largestMagnitudes(last)[0]
    let crownLower = backward(
      rows: [Int](repeating: 0, count: rows.count), width: n, through: body.count - 1, nodes: nodes, workspace
    ) { slice, lambda, gamma in
      for (s, row) in slice.enumerated() {
        for j in 0..<n { lambda[s * n + j] = specification.weights[row * n + j] }
        gamma[s] = (specification.biasLower[row] - (specification.slack[row] * largest).nextUp).nextDown
      }
    }
    return zip(ibpLower, crownLower).map { tightenedLower($0, by: $1).replacingNaN(with: -.infinity) }
  }
}

extension FastAffine {
  /// The affine map `rows · (W_L h + b_L) + constants` of the last hidden layer's output `h`: row
  /// `r` is `Σ_o rows[r][o] W_L[o]`, computed exactly and rounded to the nearest Doubles, with the
  /// rounding `Σ_i |W_ri − Ŵ_ri|` (rounded up) as the row's slack; the constant is enclosed by the
  /// Doubles next to it.
  init(folding rows: [[Rational]], plus constants: [Rational], into head: DenseLayer) {
    let n = head.inputWidth
    var weights: [Double] = [], biasLower: [Double] = [], biasUpper: [Double] = [], slack: [Double] = []
    weights.reserveCapacity(rows.count * n)
    for (row, constant) in zip(rows, constants) {
      var b = constant
      var w = [Rational](repeating: 0, count: n)
      for (o, c) in row.enumerated() where c != 0 {
        for i in 0..<n { w[i] += c * Rational(exactlyFloat: head.weight(output: o, input: i)) }
        b += c * Rational(exactlyFloat: head.bias[o])
      }
      var rounding = Rational(0)
      for exact in w {
        let nearest = Double(exact)
        weights.append(nearest)
        // A folded coefficient beyond Double's range leaves no bound: the slack is infinite.
        if let value = try? Rational(exactly: nearest) { rounding += (exact - value).magnitude } else { rounding = -1; break }
      }
      weights += [Double](repeating: 0, count: n * (biasLower.count + 1) - weights.count)
      slack.append(rounding < 0 ? .infinity : Rounding.up(rounding))
      biasLower.append(Rounding.down(b))
      biasUpper.append(Rounding.up(b))
    }
    self.init(inputWidth: n, outputWidth: rows.count, weights: weights, biasLower: biasLower, biasUpper: biasUpper, slack: slack)
  }
}
