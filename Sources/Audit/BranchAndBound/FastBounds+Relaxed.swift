// The sound bound for relaxation parameters chosen by a search: the fast tier's CROWN backward
// pass with every rounding accounted for, on ReLU tables that take the chosen lower slopes and
// split multipliers (`ReLUTable.init(bounds:lowerSlopes:shifts:)`).

extension FastBounds {
  /// Sound lower bounds of margin rows, each over its own subdomain of one input box.
  ///
  /// Row `r` bounds the margin `z_label − z_{j}` for the `marginRows[r]`-th other class, on the
  /// part of the box where the splits of `rows` hold, with the lower slopes `rows.alpha` and the
  /// multipliers `σ β`. A lower bound over the whole box of a function that is below the margin on
  /// the subdomain is a lower bound of the margin there, so the splits only have to be reflected
  /// in the ReLU bounds (`rows.lower`, `rows.upper`), which must contain the pre-activations on the
  /// subdomain.
  ///
  /// - Parameters:
  ///   - nodes: `tightenedNodes` of the box alone (a batch of one).
  ///   - chain: the network as a `ReLUChain` (positions of the ReLU layers in `body`).
  /// - Returns: one bound per row, NaN where an overflow left none.
  func relaxedMarginLowerBounds(
    _ rows: RelaxedRows, marginRows: [Int], label: Int, nodes: [BoxBatch], chain: ReLUChain, _ workspace: FastWorkspace
  ) -> [Double] {
    precondition(marginRows.count == rows.count && nodes.allSatisfy { $0.count == 1 }, "relaxed bounds: one box, one margin row per row")
    let count = rows.count
    let replicated = nodes.map { box in
      BoxBatch(
        count: count, width: box.width, lower: Array([[Double]](repeating: box.lower, count: count).joined()),
        upper: Array([[Double]](repeating: box.upper, count: count).joined()))
    }
    let shifts = rows.shifts
    var linearizations: [any FastLinearization] = []
    for k in body.indices {
      if let position = chain.reluPositions.firstIndex(of: k) {
        let bounds = BoxBatch(count: count, width: body[k].inputWidth, lower: rows.lower[position], upper: rows.upper[position])
        linearizations.append(ReLUTable(bounds: bounds, lowerSlopes: rows.alpha[position], shifts: shifts[position]))
      } else {
        linearizations.append(body[k].linearization(on: replicated[k]))
      }
    }
    let n = margins.inputWidth, last = nodes[nodes.count - 1], classes = self.classes
    var largest = 0.0  // |h_j| ≤ H on the head's input box: a rounded folded row costs ρ H
    for j in 0..<n { largest = maximumPropagatingNaN(largest, maximumPropagatingNaN(last.lower[j].magnitude, last.upper[j].magnitude)) }
    return backward(
      rows: Array(0..<count), width: n, through: body.count - 1, nodes: replicated, linearizations: linearizations, workspace
    ) { slice, lambda, gamma in
      for (s, index) in slice.enumerated() {
        let row = label * (classes - 1) + marginRows[index]
        for j in 0..<n { lambda[s * n + j] = margins.weights[row * n + j] }
        gamma[s] = (margins.biasLower[row] - (margins.slack[row] * largest).nextUp).nextDown
      }
    }
  }

  /// The start of margin row `r` for `label` in Float64 for the search: `c` and `γ₀`.
  func marginStart(label: Int, marginRow r: Int) -> (coefficients: ArraySlice<Double>, constant: Double) {
    let n = margins.inputWidth, row = label * (classes - 1) + r
    return (margins.weights[(row * n)..<((row + 1) * n)], margins.biasLower[row])
  }

  /// The class of margin row `r` for `label`: the other classes in order, `label` skipped.
  func marginClass(label: Int, marginRow r: Int) -> Int { r < label ? r : r + 1 }
}
