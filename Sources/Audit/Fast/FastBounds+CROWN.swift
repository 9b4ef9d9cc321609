// CROWN in Float64. The backward pass keeps, for each bounded quantity m, the statement
//
//     m(x) ≥ Σ_j Λ_j y_j(x) + γ       for every x in the box,
//
// with y some layer's output, Λ a row of Doubles taken as exact values and γ a Double lower bound
// of the true constant. Each layer's linearization (`FastLinearization`) substitutes its input and
// moves every rounding into γ as a rigorous negative term (Docs/Audits.md, "Soundness"); at the
// input, Σ_i Λ_i x_i ≥ Σ_i Λ_i (Λ_i ≥ 0 ? lo_i : hi_i) over the box [lo, hi], a dot product
// lower-bounded like the others.
//
// A non-finite value anywhere (overflow) makes the row's result NaN, read as "no bound".

extension FastBounds {
  /// CROWN for a batch: the input of each non-affine layer bounded by the intersection of IBP and
  /// CROWN (IBP alone where one layer separates it from the input box), margins from the larger of
  /// CROWN's and IBP's lower bounds.
  ///
  /// - Parameter onlyUndecided: skip the margins IBP already proves positive and the boxes where
  ///   IBP proves some margin ≤ 0 at every point; their CROWN bound is left NaN. Whether a box is
  ///   certified does not change: the margin bound is the larger of CROWN's and IBP's.
  ///   Before that, the boxes whose verdict plain IBP settles (`undecidedBoxes`) keep IBP's
  ///   bounds and run no CROWN at all (without `keepHidden`).
  func crown(
    _ input: BoxBatch, labels: ArraySlice<Int>, keepHidden: Bool, onlyUndecided: Bool, _ workspace: FastWorkspace
  ) -> BatchBounds {
    guard onlyUndecided && !keepHidden && !body.isEmpty else {
      return crownOnEveryBox(input, labels: labels, keepHidden: keepHidden, onlyUndecided: onlyUndecided, workspace)
    }
    let ibp = intervalBoundPropagation(input, labels: labels, keepHidden: false, workspace)
    let undecided = undecidedBoxes(input, ibp: ibp, labels: labels, workspace)
    guard undecided.count < input.count else {
      return crownOnEveryBox(input, labels: labels, keepHidden: false, onlyUndecided: true, workspace)
    }
    var result = ibp
    result.crownMarginLower = [Double](repeating: .nan, count: ibp.marginLower.count)
    guard !undecided.isEmpty else { return result }
    let crowned = crownOnEveryBox(
      boxes(input, undecided), labels: ArraySlice(undecided.map { labels[labels.startIndex + $0] }), keepHidden: false,
      onlyUndecided: true, workspace)
    let rows = classes - 1
    for (s, b) in undecided.enumerated() {
      for r in 0..<rows {
        result.marginLower[b * rows + r] = crowned.marginLower[s * rows + r]
        result.marginUpper[b * rows + r] = crowned.marginUpper[s * rows + r]
        result.crownMarginLower![b * rows + r] = crowned.crownMarginLower![s * rows + r]
      }
    }
    return result
  }

  /// `crown` without screening the boxes first.
  private func crownOnEveryBox(
    _ input: BoxBatch, labels: ArraySlice<Int>, keepHidden: Bool, onlyUndecided: Bool, _ workspace: FastWorkspace
  ) -> BatchBounds {
    var result = BatchBounds()
    let nodes = tightenedNodes(input, workspace)
    if keepHidden {
      for k in body.indices where !network.layers[k + 1].isAffine {
        result.hiddenLower.append(nodes[k + 1].lower)
        result.hiddenUpper.append(nodes[k + 1].upper)
      }
    }
    let rows = classes - 1
    let last = nodes[nodes.count - 1]
    let (ibpLower, ibpUpper) = marginBounds(last, labels: labels, workspace)
    result.marginUpper = ibpUpper
    guard !body.isEmpty else {
      // One affine layer: the IBP box bound is already the exact bound of a linear function.
      result.marginLower = ibpLower
      result.crownMarginLower = ibpLower
      return result
    }
    // The margin rows to bound: (box, row) pairs, as flat indices b * rows + r.
    var selected: [Int] = []
    for b in 0..<input.count {
      let range = (b * rows)..<((b + 1) * rows)
      if onlyUndecided && range.contains(where: { ibpUpper[$0] <= 0 }) { continue }  // cannot be certified
      for q in range where !onlyUndecided || !(ibpLower[q] > 0) { selected.append(q) }
    }
    let n = margins.inputWidth
    // |h_j| ≤ H on the box; a rounded folded row costs ρ_r H.
    let largest = (0..<input.count).map { b in
      (0..<n).reduce(0.0) {
        maximumPropagatingNaN($0, maximumPropagatingNaN(last.lower[b * n + $1].magnitude, last.upper[b * n + $1].magnitude))
      }
    }
    let computed = backward(
      rows: selected.map { $0 / rows }, width: n, through: body.count - 1, nodes: nodes, workspace
    ) { slice, lambda, gamma in
      for (s, index) in slice.enumerated() {
        let q = selected[index], b = q / rows
        let row = labels[labels.startIndex + b] * rows + q % rows
        for j in 0..<n { lambda[s * n + j] = margins.weights[row * n + j] }
        gamma[s] = (margins.biasLower[row] - (margins.slack[row] * largest[b]).nextUp).nextDown
      }
    }
    var crownLower = [Double](repeating: .nan, count: input.count * rows)
    for (index, q) in selected.enumerated() { crownLower[q] = computed[index] }
    result.crownMarginLower = crownLower
    result.marginLower = zip(ibpLower, crownLower).map { tightenedLower($0, by: $1) }
    return result
  }

  /// Each layer's input bounds for CROWN, `nodes[0]` the input boxes and `nodes[k + 1]` the output
  /// of `body[k]`: IBP, intersected with CROWN where a non-affine layer follows an affine one.
  func tightenedNodes(_ input: BoxBatch, _ workspace: FastWorkspace) -> [BoxBatch] {
    var nodes = [input]  // each layer's input, as tightened
    for k in body.indices {
      var z = body[k].propagate(nodes[k], workspace)
      // As the enclosure tiers: no CROWN where IBP is exact or a non-affine layer's output is bounded.
      if !network.layers[k + 1].isAffine && k >= 1 && network.layers[k].isAffine {
        tighten(&z, output: k, nodes: nodes, workspace)
      }
      nodes.append(z)
    }
    return nodes
  }

  /// Tightens `z`, the IBP bounds of layer `k`'s output, by CROWN: for each box, rows `+e_i`
  /// (lower bounds) and `−e_i` (upper bounds) on the output, started from the layer's own rows
  /// when it has them (a dense layer: `±W`, `±b`), else pushed through it from the identity. Only
  /// the outputs the next layer needs tightened get rows (`BoundLayer.tightensOnlyStraddlingZero`).
  private func tighten(_ z: inout BoxBatch, output k: Int, nodes: [BoxBatch], _ workspace: FastWorkspace) {
    let m = z.width, count = z.count
    let onlyStraddling = network.layers[k + 1].tightensOnlyStraddlingZero
    // Per selected output (flat index b * m + i), two rows: +e_i then −e_i.
    let targets = (0..<(count * m)).filter { !onlyStraddling || (z.lower[$0] < 0 && z.upper[$0] > 0) }
    let rows = targets.flatMap { [$0 / m, $0 / m] }
    let below: [Double]
    if let layer = body[k].affineRows {
      let n = layer.inputWidth
      below = backward(rows: rows, width: n, through: k - 1, nodes: nodes, workspace) { slice, lambda, gamma in
        for (s, row) in slice.enumerated() {
          let i = targets[row / 2] % m, sign = row % 2 == 0 ? 1.0 : -1.0
          for j in 0..<n { lambda[s * n + j] = sign * layer.weights[i * n + j] }
          gamma[s] = row % 2 == 0 ? layer.biasLower[i] : -layer.biasUpper[i]
        }
      }
    } else if let shapes = windowShapes(through: k) {
      // A convolution's outputs over conv/pool/ReLU layers: the identity rows as patches.
      below = windowedIdentityBackward(targets: targets, through: k, shapes: shapes, nodes: nodes, workspace)
    } else {
      below = backward(rows: rows, width: m, through: k, nodes: nodes, workspace) { slice, lambda, gamma in
        for (s, row) in slice.enumerated() {
          for j in 0..<m { lambda[s * m + j] = 0 }
          lambda[s * m + targets[row / 2] % m] = row % 2 == 0 ? 1 : -1
          gamma[s] = 0
        }
      }
    }
    for (t, q) in targets.enumerated() {
      z.lower[q] = tightenedLower(z.lower[q], by: below[2 * t])
      z.upper[q] = tightenedUpper(z.upper[q], by: -below[2 * t + 1])
    }
  }

  /// Lower bounds of `Λ_r · y + γ_r` over the box of each row, with `y` the output of layer `top`:
  /// the backward pass through layers `top, ..., 0`, then the minimum over the input box.
  ///
  /// - Parameters:
  ///   - rows: for each row, the box (index in the batch) it belongs to.
  ///   - width: the width of layer `top`'s output, which the starting rows multiply.
  ///   - nodes: each layer's input bounds, `nodes[0]` the input boxes.
  ///   - linearizations: layers `0...top` linearized on `nodes` (α-CROWN's and branch and bound's
  ///     own ReLU tables), or nil for each layer's own.
  ///   - patches: with each layer's own linearization, run the rows below a CNN's topmost max pool
  ///     as patches over the whole map (`patchChain`); false keeps every step on full rows (tests).
  ///   - start: writes the starting `Λ` (`width` per row, row-major) and `γ` of the row indices given.
  /// - Returns: one bound per row, NaN where an overflow left no bound.
  func backward(
    rows: [Int], width: Int, through top: Int, nodes: [BoxBatch], linearizations given: [any FastLinearization]? = nil,
    patches: Bool = true, _ workspace: FastWorkspace, start: (Range<Int>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void
  ) -> [Double] {
    guard !rows.isEmpty else { return [] }
    precondition(body[top].outputWidth == width, "backward: the rows do not fit layer \(top)")
    precondition(given.map { $0.count == top + 1 } ?? true, "backward: one linearization per layer")
    let linearizations = given ?? (0...top).map { body[$0].linearization(on: nodes[$0]) }
    // Below a max pool of a CNN the rows run as patches over the whole map (own tables only).
    let chain = given == nil && patches ? patchChain(below: top) : nil
    let fused = chain == nil ? [] : PoolReLUConvStep.steps(Array(linearizations[0...chain!.top]))
    var result = [Double](repeating: .nan, count: rows.count)
    // Slices keep Λ near 2^22 Doubles (32 MiB) whatever the widths.
    let widest = max(width, body.map { max($0.inputWidth, $0.outputWidth) }.max()!)
    let sliceSize = max(1, (1 << 22) / widest)
    var first = 0
    while first < rows.count {
      let slice = first..<min(rows.count, first + sliceSize)
      var gamma = [Double](repeating: 0, count: slice.count)
      let lambda = workspace.buffer(.lambda, count: slice.count * widest)
      gamma.withUnsafeMutableBufferPointer { start(slice, lambda, $0.baseAddress!) }
      for k in stride(from: (chain?.top ?? -1) + 1, through: top, by: 1).reversed() {
        linearizations[k].substitute(rows: rows[slice], gamma: &gamma, workspace)
      }
      if let chain {
        let map = chain.shapes[chain.top + 1]
        var windows = [PixelWindow](repeating: PixelWindow(top: 0, bottom: map.height, left: 0, right: map.width), count: slice.count)
        var stride = map.count
        windowedSteps(
          rows: rows[slice], windows: &windows, stride: &stride, from: chain.top, shapes: chain.shapes, linearizations,
          fused: fused, gamma: &gamma, workspace)
        concretizeWindows(
          rows: Array(rows[slice]), windows: windows, stride: stride, shape: chain.shapes[0], gamma: gamma, input: nodes[0], workspace
        ) { result[first + $0] = $1 }
      } else {
        concretize(rows: rows[slice], gamma: gamma, input: nodes[0], workspace) { result[first + $0] = $1 }
      }
      first = slice.upperBound
    }
    return result
  }

  /// `γ_r + min over the row's input box of Λ_r · x`, rounded down; NaN where anything overflowed.
  private func concretize(
    rows: ArraySlice<Int>, gamma: [Double], input: BoxBatch, _ workspace: FastWorkspace, _ write: (Int, Double) -> Void
  ) {
    let n = input.width
    let error = DotProductError(length: n)
    let lambda = UnsafePointer(workspace.existing(.lambda, count: rows.count * n))
    input.lower.withUnsafeBufferPointer { lowerBuffer in
      input.upper.withUnsafeBufferPointer { upperBuffer in
        let lo = lowerBuffer.baseAddress!, hi = upperBuffer.baseAddress!
        var largestInput: (box: Int, value: Double) = (-1, 0)
        for (s, b) in rows.enumerated() {
          if largestInput.box != b {
            var largest = 0.0
            for i in 0..<n { largest = maximumPropagatingNaN(largest, maximumPropagatingNaN(lo[b * n + i].magnitude, hi[b * n + i].magnitude)) }
            largestInput = (b, largest)
          }
          let row = lambda + s * n, x = b * n
          var dot = SIMD8<Double>(repeating: 0), absolute = SIMD8<Double>(repeating: 0)
          var i = 0
          while i + 8 <= n {
            let c = load8(row, i)
            dot += c * load8(hi, x + i).replacing(with: load8(lo, x + i), where: c .>= 0)
            absolute += magnitude8(c)
            i += 8
          }
          var dotSum = dot.sum(), absoluteSum = absolute.sum()
          while i < n {
            let c = row[i]
            dotSum += c * (c >= 0 ? lo[x + i] : hi[x + i])
            absoluteSum += c.magnitude
            i += 1
          }
          // Σ|Λ_i sel_i| ≤ (Σ|Λ_i|) max|x_i|
          let bound = (error.upperBoundOfNonnegative(absoluteSum) * largestInput.value).nextUp
          let value = ((gamma[s] + dotSum).nextDown - error.error(absoluteSum: bound)).nextDown
          write(s, value.isFinite ? value : .nan)
        }
      }
    }
  }
}
