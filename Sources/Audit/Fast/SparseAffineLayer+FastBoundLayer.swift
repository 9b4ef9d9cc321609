import Exact

extension SparseAffineLayer: FastBoundLayer {
  func fastTransformer() -> any FastTransformer { FastSparseAffine(layer: self) }
}

/// A sparse affine layer in Float64. Coefficients are rounded to the nearest Double `Ŵ` (an
/// enclosed coefficient: its midpoint's); the exact `W` is within the row's slack:
/// `Σ_j |W_ij − Ŵ_ij| ≤ ρ_i` (computed exactly over the enclosure's ends, rounded up), so
/// `|(W − Ŵ) x| ≤ ρ_i max|x_j|`. The bias is enclosed by one Double each way where inexact. A row
/// of `k` entries is a dot product of `k` terms (`γ_k`); the error models use the longest row
/// (forward) and the longest column (backward).
struct FastSparseAffine: FastTransformer {
  let inputWidth: Int
  let outputWidth: Int
  let rowStart: [Int], columns: [Int]
  let weights: [Double], absoluteWeights: [Double]
  let biasLower: [Double], biasUpper: [Double]
  /// `A_i ≥ Σ_j |Ŵ_ij|` and `ρ_i`.
  let rowAbsoluteSum: [Double], slack: [Double]
  /// `g_i ≥ γ_k A_i + ρ_i`: as `FastAffine.boxErrorCoefficient`.
  let boxErrorCoefficient: [Double]
  /// Dot products along a row (forward), along a column (the backward `P W`), and over all
  /// outputs (the backward `Σ P_i b_i`).
  let rowError: DotProductError, columnError: DotProductError, outputError: DotProductError
  /// A convolution's geometry: the backward product then runs on BLAS.
  let convolution: ConvolutionGeometry?

  init(layer: SparseAffineLayer) {
    convolution = layer.convolution
    inputWidth = layer.inputWidth
    outputWidth = layer.outputWidth
    rowStart = layer.rowStart
    columns = layer.columns
    // The nearest Double to each coefficient, or to its enclosure's midpoint.
    let upper = layer.upperCoefficients ?? layer.coefficients
    weights = zip(layer.coefficients, upper).map { Double($0 == $1 ? $0 : ($0 + $1) / 2) }
    absoluteWeights = weights.map(\.magnitude)
    biasLower = layer.bias.map(Rounding.down)
    biasUpper = (layer.upperBias ?? layer.bias).map(Rounding.up)
    let longestRow = (0..<layer.outputWidth).map { layer.row($0).count }.max() ?? 1
    var columnCounts = [Int](repeating: 0, count: layer.inputWidth)
    for j in layer.columns { columnCounts[j] += 1 }
    rowError = DotProductError(length: max(1, longestRow))
    columnError = DotProductError(length: max(1, columnCounts.max() ?? 1))
    outputError = DotProductError(length: layer.outputWidth)
    var sums: [Double] = [], slack: [Double] = []
    for o in 0..<layer.outputWidth {
      var sum = 0.0, difference = Rational(0)
      for e in layer.row(o) {
        sum += absoluteWeights[e]
        // |W − Ŵ| for every W of the enclosure [lower, upper] is at most the farther end's distance.
        let rounded = try! Rational(exactly: weights[e])  // finite: coefficients come from Float32 and small fractions
        difference += max(rounded - layer.coefficients[e], upper[e] - rounded)
      }
      sums.append(rowError.upperBoundOfNonnegative(sum))
      slack.append(Rounding.up(difference))
    }
    let gamma = rowError.gamma
    rowAbsoluteSum = sums
    self.slack = slack
    boxErrorCoefficient = (0..<layer.outputWidth).map { ((gamma * sums[$0]).nextUp + slack[$0]).nextUp }
  }

  /// Midpoint-radius as `FastAffine.propagate`, the products row by row over the stored entries.
  func propagate(_ input: BoxBatch, _ workspace: FastWorkspace) -> BoxBatch {
    precondition(input.width == inputWidth, "\(inputWidth)-input sparse layer given \(input.width) inputs")
    let (center, radius, magnitude) = FastAffine.midpointRadius(input, workspace)
    let count = input.count, n = inputWidth, m = outputWidth
    let centerProduct = workspace.buffer(.centerProduct, count: count * m)
    let radiusProduct = workspace.buffer(.radiusProduct, count: count * m)
    for b in 0..<count {
      for o in 0..<m {
        var c = 0.0, r = 0.0
        for e in rowStart[o]..<rowStart[o + 1] {
          c += weights[e] * center[b * n + columns[e]]
          r += absoluteWeights[e] * radius[b * n + columns[e]]
        }
        centerProduct[b * m + o] = c
        radiusProduct[b * m + o] = r
      }
    }
    return FastAffine.outwardBoxes(
      count: count, width: m, centerProduct: centerProduct, radiusProduct: radiusProduct, magnitude: magnitude,
      errorCoefficient: boxErrorCoefficient, tail: rowError.tail, biasLower: biasLower, biasUpper: biasUpper)
  }

  func linearization(on input: BoxBatch) -> any FastLinearization {
    SparseAffineLinearization(map: self, largest: largestMagnitudes(input))
  }

  func forward(_ x: [Double]) -> [Double] {
    (0..<outputWidth).map { o in
      (rowStart[o]..<rowStart[o + 1]).reduce(biasLower[o]) { $0 + weights[$1] * x[columns[$1]] }
    }
  }

  func pullback(_ dy: [Double], at x: [Double]) -> [Double] {
    var dx = [Double](repeating: 0, count: inputWidth)
    for o in 0..<outputWidth where dy[o] != 0 {
      for e in rowStart[o]..<rowStart[o + 1] { dx[columns[e]] += dy[o] * weights[e] }
    }
    return dx
  }
}

/// Per box, `H ≥ max_i |x_i|` over the box.
func largestMagnitudes(_ input: BoxBatch) -> [Double] {
  let n = input.width
  return (0..<input.count).map { b in
    var value = 0.0
    for i in (b * n)..<((b + 1) * n) {
      value = maximumPropagatingNaN(value, maximumPropagatingNaN(input.lower[i].magnitude, input.upper[i].magnitude))
    }
    return value
  }
}

/// The substitution `z = W x + b` for a sparse `W`, with `P` the coefficients on `z`:
/// - `Σ_o P_o b_o ≥ Σ_o P_o b̃_o` with `b̃_o` the bias's lower Double where `P_o ≥ 0`, else its upper
///   one: a dot product over the outputs, lower-bounded by its computed value minus `γ_m Σ|P_o b̃_o| + τ_m`;
/// - `Λ' = fl(P Ŵ)` column by column: each entry a dot product of at most `c` terms (the longest
///   column), summed in any order (a convolution's runs as a BLAS product, `ConvolutionGeometry`), off by at most `γ_c Σ_o |P_o| |Ŵ_oi| + τ_c`; with `|x_i| ≤ H` that costs
///   `γ_c H Σ_o |P_o| A_o + τ_c n' H`;
/// - the rounded coefficients: `|P (W − Ŵ) x| ≤ H Σ_o |P_o| ρ_o`.
struct SparseAffineLinearization: FastLinearization {
  let map: FastSparseAffine
  let largest: [Double]

  func substitute(rows: ArraySlice<Int>, gamma: inout [Double], _ workspace: FastWorkspace) {
    let m = map.outputWidth, n = map.inputWidth
    let p = UnsafePointer(workspace.existing(.lambda, count: rows.count * m))
    let product = workspace.buffer(.product, count: rows.count * n)
    var dense: [Int] = []
    for (s, b) in rows.enumerated() {
      let row = p + s * m, out = product + s * n
      // A convolution's dense rows go to BLAS below; sparse ones (< 1/8 non-zero) are scattered here.
      var nonzero = 0
      if map.convolution != nil { for o in 0..<m where row[o] != 0 { nonzero += 1 } }
      let scatters = map.convolution == nil || nonzero * 8 < m
      if scatters { for i in 0..<n { out[i] = 0 } } else { dense.append(s) }
      var dot = 0.0, dotAbsolute = 0.0, weighted = 0.0, slack = 0.0
      for o in 0..<m {
        let po = row[o]
        if po == 0 { continue }
        let bias = po >= 0 ? map.biasLower[o] : map.biasUpper[o]
        dot += po * bias
        dotAbsolute += (po * bias).magnitude
        weighted += po.magnitude * map.rowAbsoluteSum[o]
        slack += po.magnitude * map.slack[o]
        if scatters {
          if let convolution = map.convolution {
            convolution.addKernel(po, output: o, into: out)  // contiguous runs instead of the row index
          } else {
            for e in map.rowStart[o]..<map.rowStart[o + 1] { out[map.columns[e]] += po * map.weights[e] }
          }
        }
      }
      gamma[s] = substitutedGamma(gamma[s], dot: dot, dotAbsolute: dotAbsolute, weighted: weighted, slack: slack, largest: largest[b])
    }
    // A convolution's dense rows: Λ' = Λ W on BLAS, the same sums in another order.
    if !dense.isEmpty { map.convolution!.pullBack(p, rows: dense, into: product, workspace) }
    workspace.swap(.lambda, .product)
  }

  /// `γ` after the substitution, rounded down (NaN where not finite), from the computed sums over
  /// the non-zero `P_o` (any order): `Σ P_o b̃_o` less its error, the product's error
  /// `γ_c H Σ|P_o| A_o + τ_c n H`, the slack `H Σ|P_o| ρ_o`. One formula for full rows, patches and
  /// `PoolReLUConvStep`.
  func substitutedGamma(_ gamma: Double, dot: Double, dotAbsolute: Double, weighted: Double, slack: Double, largest h: Double) -> Double {
    let error = map.outputError
    let columnTail = (map.columnError.tail * Double(map.inputWidth)).nextUp
    let biasTerm = (dot - error.error(absoluteSum: error.upperBoundOfNonnegative(dotAbsolute))).nextDown
    let productTerm = (((map.columnError.gamma * error.upperBoundOfNonnegative(weighted)).nextUp * h).nextUp
      + (columnTail * h).nextUp).nextUp
    let slackTerm = (error.upperBoundOfNonnegative(slack) * h).nextUp
    let g = (((gamma + biasTerm).nextDown - productTerm).nextDown - slackTerm).nextDown
    return g.isFinite ? g : .nan
  }
}
