extension MaxPoolLayer: FastBoundLayer {
  func fastTransformer() -> any FastTransformer { FastMaxPool(layer: self) }
}

/// Max pooling in Float64: on boxes `[max_i l_i, max_i u_i]` (exact: a maximum of Doubles is one of
/// them); the CROWN relaxation of `MaxPoolEnclosure`, its roundings bounded.
struct FastMaxPool: FastTransformer {
  let layer: MaxPoolLayer
  var inputWidth: Int { layer.inputWidth }
  var outputWidth: Int { layer.outputWidth }

  func propagate(_ input: BoxBatch, _ workspace: FastWorkspace) -> BoxBatch {
    let n = input.width, m = layer.outputWidth
    var lower = [Double](repeating: 0, count: input.count * m), upper = lower
    for b in 0..<input.count {
      for (o, window) in layer.windows.enumerated() {
        var l = -Double.infinity, u = -Double.infinity
        for i in window {
          l = maximumPropagatingNaN(l, input.lower[b * n + i])
          u = maximumPropagatingNaN(u, input.upper[b * n + i])
        }
        let finite = l.isFinite && u.isFinite
        lower[b * m + o] = finite ? l : -.infinity
        upper[b * m + o] = finite ? u : .infinity
      }
    }
    return BoxBatch(count: input.count, width: m, lower: lower, upper: upper)
  }

  func linearization(on input: BoxBatch) -> any FastLinearization { MaxPoolLinearization(layer: layer, input: input) }

  func forward(_ x: [Double]) -> [Double] { layer.windows.map { window in window.map { x[$0] }.max()! } }

  /// The derivative flows to the first largest input of each window.
  func pullback(_ dy: [Double], at x: [Double]) -> [Double] {
    var dx = [Double](repeating: 0, count: layer.inputWidth)
    for (o, window) in layer.windows.enumerated() {
      let best = window.max { x[$0] < x[$1] }!
      dx[best] += dy[o]
    }
    return dx
  }
}

/// The relaxation per box and window (`MaxPoolEnclosure`'s, in Doubles, whose comparisons are
/// exact): `λ ≥ 0`, or `λ < 0` where `j*` dominates, moves `λ` onto `x_{j*}`; else `λ max_i u_i` goes
/// into the constant, a dot product over the outputs bounded by `γ_m Σ|λ_o u_o| + τ_m`. Where
/// windows overlap, an input collects up to `k` coefficients, a sum off by at most
/// `γ_k Σ_o |λ_o| H + τ_k n H`.
struct MaxPoolLinearization: FastLinearization {
  let layer: MaxPoolLayer
  /// Per box and window: the input of the largest lower bound, whether it dominates, the largest upper bound.
  let best: [Int], dominates: [Bool], upper: [Double]
  /// Per box and window: the row and column of `best` in the window, for patches.
  let bestRow: [Int32], bestColumn: [Int32]
  /// Per box: all bounds finite, and `H ≥ max|x_i|`.
  let finite: [Bool], largest: [Double]
  /// The most windows an input belongs to.
  let overlap: Int

  init(layer: MaxPoolLayer, input: BoxBatch) {
    self.layer = layer
    let n = input.width
    var best: [Int] = [], dominates: [Bool] = [], upper: [Double] = [], finite: [Bool] = []
    var bestRow: [Int32] = [], bestColumn: [Int32] = []
    for b in 0..<input.count {
      finite.append((b * n..<(b + 1) * n).allSatisfy { input.lower[$0].isFinite && input.upper[$0].isFinite })
      for window in layer.windows {
        let tap = window.indices.max { input.lower[b * n + window[$0]] < input.lower[b * n + window[$1]] }!
        let k = window[tap]
        best.append(k)
        bestRow.append(Int32(tap / layer.size))  // windows list their inputs row by row
        bestColumn.append(Int32(tap % layer.size))
        dominates.append(window.allSatisfy { $0 == k || input.upper[b * n + $0] <= input.lower[b * n + k] })
        upper.append(window.dropFirst().reduce(input.upper[b * n + window[0]]) { value, i in
          input.upper[b * n + i] > value ? input.upper[b * n + i] : value  // as `max()`, without an array per window
        })
      }
    }
    self.best = best
    self.bestRow = bestRow
    self.bestColumn = bestColumn
    self.dominates = dominates
    self.upper = upper
    self.finite = finite
    largest = largestMagnitudes(input)
    var counts = [Int](repeating: 0, count: layer.inputWidth)
    for window in layer.windows { for i in window { counts[i] += 1 } }
    overlap = counts.max() ?? 1
  }

  func substitute(rows: ArraySlice<Int>, gamma: inout [Double], _ workspace: FastWorkspace) {
    let m = layer.outputWidth, n = layer.inputWidth
    let lambda = UnsafePointer(workspace.existing(.lambda, count: rows.count * m))
    let product = workspace.buffer(.product, count: rows.count * n)
    let outputs = DotProductError(length: m), sums = DotProductError(length: max(1, overlap))
    for (s, b) in rows.enumerated() {
      let row = lambda + s * m, out = product + s * n
      for i in 0..<n { out[i] = 0 }
      var constant = 0.0, constantAbsolute = 0.0, moved = 0.0
      for o in 0..<m {
        let l = row[o], q = b * m + o
        if l >= 0 || dominates[q] {
          out[best[q]] += l
          moved += l.magnitude
        } else {
          constant += l * upper[q]
          constantAbsolute += (l * upper[q]).magnitude
        }
      }
      let g = MaxPoolLinearization.substitutedConstant(
        gamma[s], constant: constant, constantAbsolute: constantAbsolute, moved: moved, largest: largest[b],
        inputs: n, overlap: overlap, outputs: outputs, sums: sums)
      gamma[s] = finite[b] && g.isFinite ? g : .nan
    }
    workspace.swap(.lambda, .product)
  }
}

extension MaxPoolLinearization {
  /// `γ` after a max pool's substitution, rounded down: the constant part `Σ λ_o u_o` (the
  /// outputs bounded by their upper bound) less its dot-product error, less, where windows overlap,
  /// the error of the sums an input collects (`γ_k Σ|λ| H + τ_k n H`). One formula for the full
  /// rows and the patch rows (`WindowedLinearizations`).
  static func substitutedConstant(
    _ gamma: Double, constant: Double, constantAbsolute: Double, moved: Double, largest: Double,
    inputs n: Int, overlap: Int, outputs: DotProductError, sums: DotProductError
  ) -> Double {
    let constantTerm = (constant - outputs.error(absoluteSum: outputs.upperBoundOfNonnegative(constantAbsolute))).nextDown
    let sumTerm = overlap > 1
      ? (((sums.gamma * outputs.upperBoundOfNonnegative(moved)).nextUp * largest).nextUp + (sums.tail * Double(n) * largest).nextUp).nextUp
      : 0
    return ((gamma + constantTerm).nextDown - sumTerm).nextDown
  }
}
