import Exact

/// An affine map `y = W x + b` in Float64, with what the error bounds need.
struct FastAffine: Sendable {
  let inputWidth: Int
  let outputWidth: Int
  /// `Ŵ`, row-major `[out, in]`: the exact weights, or for folded rows their rounded differences.
  let weights: [Double]
  /// `|Ŵ|`.
  let absoluteWeights: [Double]
  /// Bounds of the exact `b`: equal for a network layer, one step apart where a folded
  /// difference `b_t − b_j` was rounded.
  let biasLower: [Double]
  let biasUpper: [Double]
  /// `A_i ≥ Σ_j |Ŵ_ij|`.
  let rowAbsoluteSum: [Double]
  /// The slack of a rounded row: `Σ_j |W_ij − Ŵ_ij| |x_j| ≤ ρ_i max_j |x_j|` for the exact `W`.
  /// Zero when the row is exact.
  let slack: [Double]
  /// `g_i ≥ γ_n A_i + ρ_i`: with `M ≥ max_j (|c_j| + r_j)`, `g_i M + 2 τ_n` bounds all rounding
  /// of one output of the midpoint-radius product.
  let boxErrorCoefficient: [Double]
  /// The error model of a dot product of `inputWidth` terms (the forward products).
  let error: DotProductError
  /// The error model of a dot product of `outputWidth` terms (the backward products of CROWN).
  let outputError: DotProductError

  init(inputWidth: Int, outputWidth: Int, weights: [Double], biasLower: [Double], biasUpper: [Double], slack: [Double]) {
    self.inputWidth = inputWidth
    self.outputWidth = outputWidth
    self.weights = weights
    absoluteWeights = weights.map(\.magnitude)
    self.biasLower = biasLower
    self.biasUpper = biasUpper
    self.slack = slack
    let error = DotProductError(length: inputWidth)
    self.error = error
    outputError = DotProductError(length: outputWidth)
    let sums = (0..<outputWidth).map { i in
      var sum = 0.0
      for j in 0..<inputWidth { sum += weights[i * inputWidth + j].magnitude }
      return error.upperBoundOfNonnegative(sum)
    }
    rowAbsoluteSum = sums
    boxErrorCoefficient = (0..<outputWidth).map { ((error.gamma * sums[$0]).nextUp + slack[$0]).nextUp }
  }

  /// A network layer: Float32 values are exact in Float64.
  init(layer: DenseLayer) {
    let bias = layer.bias.map(Double.init)
    self.init(
      inputWidth: layer.inputWidth, outputWidth: layer.outputWidth, weights: layer.weights.map(Double.init),
      biasLower: bias, biasUpper: bias, slack: [Double](repeating: 0, count: layer.outputWidth))
  }

  /// A classifier's last layer folded into margins, for every true class.
  ///
  /// `Ŵ = fl(W_L[t, i] − W_L[j, i])` is exact unless the two Float32 values are more than 29
  /// binades apart; where it is not, `|W − Ŵ| ≤ u/(1 − u) |Ŵ| ≤ 2u |Ŵ|`, so the row's slack is
  /// `2u A_i`. The bias difference is enclosed by one step each way unless it is exact.
  init(foldedLastLayerOf last: DenseLayer) {
    let n = last.inputWidth, classes = last.outputWidth
    var weights: [Double] = [], biasLower: [Double] = [], biasUpper: [Double] = [], inexact: [Bool] = []
    weights.reserveCapacity(classes * (classes - 1) * n)
    for t in 0..<classes {
      for j in 0..<classes where j != t {
        var rowInexact = false
        for i in 0..<n {
          let a = Double(last.weight(output: t, input: i)), b = Double(last.weight(output: j, input: i))
          let d = a - b
          if !FastAffine.isExactDifference(a, b, d) { rowInexact = true }
          weights.append(d)
        }
        let a = Double(last.bias[t]), b = Double(last.bias[j]), d = a - b
        let exact = FastAffine.isExactDifference(a, b, d)
        biasLower.append(exact ? d : d.nextDown)
        biasUpper.append(exact ? d : d.nextUp)
        inexact.append(rowInexact)
      }
    }
    // The slack needs A_i, computed the same way as in the designated initializer.
    let error = DotProductError(length: n)
    let slack = (0..<(classes * (classes - 1))).map { r -> Double in
      guard inexact[r] else { return 0 }
      var sum = 0.0
      for i in 0..<n { sum += weights[r * n + i].magnitude }
      return (2 * DotProductError.unitRoundoff * error.upperBoundOfNonnegative(sum)).nextUp
    }
    self.init(
      inputWidth: n, outputWidth: classes * (classes - 1), weights: weights,
      biasLower: biasLower, biasUpper: biasUpper, slack: slack)
  }

  /// True when `d == fl(a − b)` equals `a − b` exactly (Knuth's TwoSum error is 0; no overflow
  /// for Float32 operands).
  static func isExactDifference(_ a: Double, _ b: Double, _ d: Double) -> Bool {
    let bVirtual = a - d
    let aVirtual = d + bVirtual
    return (a - aVirtual) + (bVirtual - b) == 0
  }
}
