// CROWN in Float64. The backward pass keeps, for each bounded quantity m, the statement
//
//     m(x) ≥ Σ_j Λ_j h_j(x) + γ       for every x in the box,
//
// with Λ a row of Doubles taken as exact values and γ a Double lower bound of the true constant.
// Every rounding is moved into γ as a rigorous negative term (Docs/Audits.md, "Soundness"):
//
// * relaxation: for λ_j < 0 at an unstable ReLU, h_j ≤ ŝ z_j + t̂ with ŝ any Double in [0, 1] and t̂
//   rounded up so that the line lies above relu at l and at u (so on [l, u], relu being convex);
//   the coefficient P_j = fl(λ_j ŝ) differs from λ_j ŝ by at most u|P_j| + η, and
//   |z_j| ≤ z̄_j = max(−l_j, u_j) on the box, which costs u Σ|P_j| z̄_j + η Σ z̄_j;
// * substitution z = W h' + b: Σ_j P_j b_j is a dot product, lower-bounded by its computed value
//   minus γ_n Σ|P_j b_j| + τ_n; the new Λ' = fl(P W) differs from P W by at most
//   γ_n |P| |W| + τ_n entrywise, and |h'_i| ≤ H (the largest upper bound of the previous layer's
//   outputs), which costs γ_n H Σ_j |P_j| A_j + τ_n n' H;
// * concretization over the input box [lo, hi]: Σ_i Λ_i x_i ≥ Σ_i Λ_i (Λ_i ≥ 0 ? lo_i : hi_i),
//   a dot product lower-bounded as above.
//
// A non-finite value anywhere (overflow) makes the row's result NaN, read as "no bound".

extension FastBounds {
  /// CROWN for a batch: hidden-layer bounds from the intersection of IBP and CROWN, margins from
  /// the larger of CROWN's and IBP's lower bounds.
  ///
  /// - Parameter onlyUndecided: skip the margins IBP already proves positive and the boxes where
  ///   IBP proves some margin ≤ 0 at every point; their CROWN bound is left NaN. Whether a box is
  ///   certified does not change: the margin bound is the larger of CROWN's and IBP's.
  func crown(
    _ input: BoxBatch, labels: ArraySlice<Int>, keepHidden: Bool, onlyUndecided: Bool, _ workspace: FastWorkspace
  ) -> BatchBounds {
    var result = BatchBounds()
    var bounds: [BoxBatch] = []  // pre-activation bounds of each hidden layer
    for k in 0..<(layers.count - 1) {
      var z = affine(layers[k], k == 0 ? input : relu(bounds[k - 1]), workspace)
      if k > 0 {
        // Rows W_k (lower bounds) and −W_k (upper bounds) for every box.
        let layer = layers[k]
        let n = layer.inputWidth, m = layer.outputWidth
        let below = backward(
          rows: (0..<(input.count * 2 * m)).map { $0 / (2 * m) }, width: n, top: k - 1, input: input, bounds: bounds,
          workspace
        ) { rows, lambda, gamma in
          for (s, row) in rows.enumerated() {
            let i = row % (2 * m)
            let source = (i < m ? i : i - m) * n, sign = i < m ? 1.0 : -1.0
            for j in 0..<n { lambda[s * n + j] = sign * layer.weights[source + j] }
            gamma[s] = i < m ? layer.biasLower[i] : -layer.biasUpper[i - m]
          }
        }
        for b in 0..<input.count {
          for i in 0..<m {
            let q = b * m + i
            z.lower[q] = tightenedLower(z.lower[q], by: below[b * 2 * m + i])
            z.upper[q] = tightenedUpper(z.upper[q], by: -below[b * 2 * m + m + i])
          }
        }
      }
      bounds.append(z)
    }
    if keepHidden {
      result.hiddenLower = bounds.map(\.lower)
      result.hiddenUpper = bounds.map(\.upper)
    }
    let rows = classes - 1
    let (ibpLower, ibpUpper) = marginBounds(bounds.last.map(relu) ?? input, labels: labels, workspace)
    result.marginUpper = ibpUpper
    guard layers.count > 1 else {
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
    let last = bounds[bounds.count - 1]
    let n = margins.inputWidth
    // |h_j| ≤ H on the box; a rounded folded row costs ρ_r H.
    let largest = (0..<input.count).map { b in
      (0..<n).reduce(0.0) { maximumPropagatingNaN($0, last.upper[b * n + $1] > 0 ? last.upper[b * n + $1] : 0) }
    }
    let computed = backward(
      rows: selected.map { $0 / rows }, width: n, top: layers.count - 2, input: input, bounds: bounds, workspace
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

  /// Lower bounds of `Λ_r · h_top(x) + γ_r` over the box of each row, by the backward pass.
  ///
  /// - Parameters:
  ///   - rows: for each row, the box (index in `input`) it belongs to.
  ///   - width: the width of hidden layer `top`, which the starting rows multiply.
  ///   - start: writes the starting `Λ` (`width` per row, row-major) and `γ` of the row indices given.
  /// - Returns: one bound per row, NaN where an overflow left no bound.
  func backward(
    rows: [Int], width: Int, top: Int, input: BoxBatch, bounds: [BoxBatch], _ workspace: FastWorkspace,
    start: (Range<Int>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void
  ) -> [Double] {
    guard !rows.isEmpty else { return [] }
    precondition(layers[top].outputWidth == width, "backward: the rows do not fit layer \(top)")
    let relaxations = (0...top).map { ReLUTable(bounds: bounds[$0], previous: $0 > 0 ? bounds[$0 - 1] : nil, input: input) }
    var result = [Double](repeating: .nan, count: rows.count)
    // Slices keep Λ near 2^22 Doubles (32 MiB) whatever the widths.
    let widest = max(width, network.widths.max()!)
    let sliceSize = max(1, (1 << 22) / widest)
    var first = 0
    while first < rows.count {
      let slice = first..<min(rows.count, first + sliceSize)
      var gamma = [Double](repeating: 0, count: slice.count)
      let lambda = workspace.buffer(.lambda, count: slice.count * widest)
      gamma.withUnsafeMutableBufferPointer { start(slice, lambda, $0.baseAddress!) }
      for (s, row) in slice.enumerated() where !relaxations.allSatisfy({ $0.finite[rows[row]] }) {
        gamma[s] = .nan  // a box whose intermediate bounds overflowed gets no bound
      }
      for k in stride(from: top, through: 0, by: -1) {
        substitute(layer: k, relaxation: relaxations[k], rows: rows[slice], gamma: &gamma, workspace)
      }
      concretize(rows: rows[slice], gamma: gamma, input: input, workspace) { result[first + $0] = $1 }
      first = slice.upperBound
    }
    return result
  }

  /// One backward step through hidden layer `k` for the rows in the `.lambda` buffer: relax its
  /// ReLUs, then substitute `z = W h' + b`. Leaves the new Λ (`[rows, inputWidth of layer k]`) in
  /// the `.lambda` buffer and lowers `gamma` by every error term.
  private func substitute(
    layer k: Int, relaxation: ReLUTable, rows: ArraySlice<Int>, gamma: inout [Double], _ workspace: FastWorkspace
  ) {
    let map = layers[k]
    let n = map.outputWidth, nIn = map.inputWidth
    // Σ_j P_j b_j and the entries of P W are dot products over the n outputs of layer k.
    let error = map.outputError
    let unit = DotProductError.unitRoundoff, eta = DotProductError.smallestSubnormal
    let lambda = UnsafePointer(workspace.existing(.lambda, count: rows.count * n))
    let p = workspace.buffer(.coefficients, count: rows.count * n)
    let gemmTail = (error.tail * Double(nIn)).nextUp  // τ_n n' (its factor H applied per row)
    let biasValues = map.biasLower  // exact for a network layer: biasLower == biasUpper
    biasValues.withUnsafeBufferPointer { biasBuffer in
      map.rowAbsoluteSum.withUnsafeBufferPointer { rowSumBuffer in
        let bias = biasBuffer.baseAddress!, rowSum = rowSumBuffer.baseAddress!
        for (s, b) in rows.enumerated() {
          let row = lambda + s * n, out = p + s * n, t = relaxation.offset(box: b)
          var sums = RowSums()
          var j = 0
          while j + 8 <= n {
            let l = load8(row, j)
            let positive = l .>= 0
            let slope = load8(relaxation.slopeNegative + t, j).replacing(with: load8(relaxation.slopePositive + t, j), where: positive)
            let pj = l * slope
            store8(pj, out, j)
            let reach = load8(relaxation.reach + t, j).replacing(with: 0, where: positive)
            sums.intercepts += ((-l) * load8(relaxation.intercept + t, j)).replacing(with: 0, where: positive)
            sums.chordAbsolute += magnitude8(pj) * reach
            sums.reaches += reach
            let pb = pj * load8(bias, j)
            sums.dot += pb
            sums.dotAbsolute += magnitude8(pb)
            sums.weighted += magnitude8(pj) * load8(rowSum, j)
            sums.coefficients += magnitude8(l)
            j += 8
          }
          var tail = ScalarRowSums()
          while j < n {
            let l = row[j], positive = l >= 0
            let pj = l * (positive ? relaxation.slopePositive[t + j] : relaxation.slopeNegative[t + j])
            out[j] = pj
            let reach = positive ? 0 : relaxation.reach[t + j]
            tail.intercepts += positive ? 0 : -l * relaxation.intercept[t + j]
            tail.chordAbsolute += pj.magnitude * reach
            tail.reaches += reach
            tail.dot += pj * bias[j]
            tail.dotAbsolute += (pj * bias[j]).magnitude
            tail.weighted += pj.magnitude * rowSum[j]
            tail.coefficients += l.magnitude
            j += 1
          }
          let total = sums.total(plus: tail)
          let largest = relaxation.previousLargest[b]
          // Σ P_j b_j ≥ fl(·) − (γ_n Σ|P_j b_j| + τ_n)
          let biasTerm = (total.dot - error.error(absoluteSum: error.upperBoundOfNonnegative(total.dotAbsolute))).nextDown
          // Σ λ_j t̂_j over the chords: every term ≤ 0
          let interceptTerm = error.upperBoundOfNonnegative(total.intercepts)
          // the rounding of P_j = fl(λ_j ŝ_j): u Σ|P_j| z̄_j + η Σ z̄_j
          let roundingTerm = ((unit * error.upperBoundOfNonnegative(total.chordAbsolute)).nextUp
            + (eta * error.upperBoundOfNonnegative(total.reaches)).nextUp).nextUp
          // the product P W: γ_n H Σ_j |P_j| A_j + τ_n n' H
          let productTerm = (((error.gamma * error.upperBoundOfNonnegative(total.weighted)).nextUp * largest).nextUp
            + (gemmTail * largest).nextUp).nextUp
          var g = (gamma[s] + biasTerm).nextDown
          g = (g - interceptTerm).nextDown
          g = (g - roundingTerm).nextDown
          g = (g - productTerm).nextDown
          gamma[s] = g.isFinite && total.coefficients.isFinite ? g : .nan
        }
      }
    }
    // Λ' = P W: [rows, n] × [n, n'].
    let product = workspace.buffer(.product, count: rows.count * nIn)
    map.weights.withUnsafeBufferPointer { w in
      DoubleMatrix.multiply(p, w.baseAddress!, into: product, m: rows.count, n: nIn, k: n)
    }
    workspace.swap(.lambda, .product)
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

/// The sums one row of the backward step accumulates, eight lanes at a time.
private struct RowSums {
  var dot = SIMD8<Double>(repeating: 0), dotAbsolute = SIMD8<Double>(repeating: 0)
  var weighted = SIMD8<Double>(repeating: 0), intercepts = SIMD8<Double>(repeating: 0)
  var chordAbsolute = SIMD8<Double>(repeating: 0), reaches = SIMD8<Double>(repeating: 0)
  var coefficients = SIMD8<Double>(repeating: 0)

  func total(plus tail: ScalarRowSums) -> ScalarRowSums {
    ScalarRowSums(
      dot: dot.sum() + tail.dot, dotAbsolute: dotAbsolute.sum() + tail.dotAbsolute,
      weighted: weighted.sum() + tail.weighted, intercepts: intercepts.sum() + tail.intercepts,
      chordAbsolute: chordAbsolute.sum() + tail.chordAbsolute, reaches: reaches.sum() + tail.reaches,
      coefficients: coefficients.sum() + tail.coefficients)
  }
}

private struct ScalarRowSums {
  var dot = 0.0, dotAbsolute = 0.0, weighted = 0.0, intercepts = 0.0, chordAbsolute = 0.0, reaches = 0.0
  var coefficients = 0.0
}

/// The linear bounds of one hidden layer's ReLUs for every box of a batch, as coefficient tables:
/// for a coefficient λ_j ≥ 0 the lower bound `slopePositive · z`, for λ_j < 0 the upper bound
/// `slopeNegative · z + intercept`. Inactive: slopes 0; active: slopes 1; unstable: the adaptive
/// lower slope (0 if −l > u, else 1) and the chord with ŝ in [0, 1], t̂ rounded up.
private final class ReLUTable {
  let width: Int
  let slopePositive: UnsafeMutablePointer<Double>
  let slopeNegative: UnsafeMutablePointer<Double>
  let intercept: UnsafeMutablePointer<Double>
  /// `z̄ = max(−l, u)` for unstable ReLUs (where the chord's coefficient is rounded), else 0.
  let reach: UnsafeMutablePointer<Double>
  /// Per box: all bounds of this layer finite.
  let finite: [Bool]
  /// Per box: H, the largest |h'_i| over the layer's inputs (previous outputs or the input box).
  let previousLargest: [Double]

  init(bounds: BoxBatch, previous: BoxBatch?, input: BoxBatch) {
    let count = bounds.count * bounds.width
    width = bounds.width
    slopePositive = .allocate(capacity: count)
    slopeNegative = .allocate(capacity: count)
    intercept = .allocate(capacity: count)
    reach = .allocate(capacity: count)
    var finite = [Bool](repeating: true, count: bounds.count)
    for q in 0..<count {
      let l = bounds.lower[q], u = bounds.upper[q]
      if !(l.isFinite && u.isFinite) { finite[q / bounds.width] = false }
      if u <= 0 {
        (slopePositive[q], slopeNegative[q], intercept[q], reach[q]) = (0, 0, 0, 0)
      } else if l >= 0 {
        (slopePositive[q], slopeNegative[q], intercept[q], reach[q]) = (1, 1, 0, 0)
      } else {
        var slope = u / (u - l)
        if !(slope >= 0) { slope = 0 }
        if slope > 1 { slope = 1 }
        // ŝ l + t̂ ≥ 0 and ŝ u + t̂ ≥ u: t̂ ≥ ŝ(−l) and t̂ ≥ u(1 − ŝ), each rounded up.
        let rest = (1 - slope).nextUp
        slopePositive[q] = -l > u ? 0 : 1
        slopeNegative[q] = slope
        intercept[q] = maximumPropagatingNaN((slope * -l).nextUp, (u * rest).nextUp)
        reach[q] = maximumPropagatingNaN(-l, u)
      }
    }
    self.finite = finite
    let source = previous ?? input
    let n = source.width
    previousLargest = (0..<bounds.count).map { b in
      var largest = 0.0
      for i in (b * n)..<((b + 1) * n) {
        let value = previous == nil
          ? maximumPropagatingNaN(source.lower[i].magnitude, source.upper[i].magnitude)
          : (source.upper[i] > 0 ? source.upper[i] : 0)
        largest = maximumPropagatingNaN(largest, value)
      }
      return largest
    }
  }

  deinit {
    slopePositive.deallocate()
    slopeNegative.deallocate()
    intercept.deallocate()
    reach.deallocate()
  }

  /// Where box `b`'s entries start.
  func offset(box b: Int) -> Int { b * width }
}
