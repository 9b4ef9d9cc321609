import Foundation

// The CROWN bound of a dense/ReLU network as a function of the relaxation's free parameters, with
// its gradient, in plain Float64: no error terms. It only steers the search for good parameters
// (any lower slope in [0, 1] and any β ≥ 0 give a valid bound); the bound that is reported is
// recomputed for the chosen parameters by `FastBounds` with every rounding accounted for
// (`FastBounds+Relaxed.swift`).

/// A dense/ReLU network seen as `z_k = W_k h_{k−1} + b_k`, `h_k = relu(z_k)`, `h_0 = x`, for
/// α-CROWN's and branch and bound's searches.
struct ReLUChain: Sendable {
  /// `dense[k]` maps `h_k` to `z_{k+1}` (numbered from 0: `dense[0]` takes the input).
  let dense: [FastAffine]
  /// The index in `FastBounds.body` of each ReLU layer.
  let reluPositions: [Int]

  /// The chain of `fast`'s body, or nil when it is not dense, ReLU, dense, ReLU, … (ending in a
  /// ReLU: the head follows).
  init?(_ fast: FastBounds) {
    var dense: [FastAffine] = [], positions: [Int] = []
    for (k, layer) in fast.body.enumerated() {
      if k % 2 == 0 {
        guard let rows = layer.affineRows else { return nil }
        dense.append(rows)
      } else {
        guard layer is FastReLU else { return nil }
        positions.append(k)
      }
    }
    guard dense.count == positions.count else { return nil }
    self.dense = dense
    reluPositions = positions
  }

  /// The widths of the ReLU layers.
  var widths: [Int] { dense.map(\.outputWidth) }
}

/// The relaxation parameters and bounds of a batch of rows, each a linear function
/// `c · h_K + γ₀` (a margin) bounded over its own subdomain of one input box. Per ReLU layer,
/// arrays `[rows, width]` row-major.
struct RelaxedRows {
  var count: Int
  /// Pre-activation bounds on the row's subdomain (a split sets `l = 0` or `u = 0`).
  var lower: [[Double]]
  var upper: [[Double]]
  /// Lower slopes of unstable ReLUs, in [0, 1].
  var alpha: [[Double]]
  /// β ≥ 0 of split neurons.
  var beta: [[Double]]
  /// Per neuron: −1 split active (`z ≥ 0`), +1 split inactive (`z ≤ 0`), 0 not split. β enters
  /// the coefficient as `σ β`.
  var direction: [[Double]]
  /// `c`, `[rows, width of h_K]`.
  var start: [Double]
  /// `γ₀` per row.
  var constant: [Double]

  /// The shifts `σ β` per layer, as `ReLUTable` takes them.
  var shifts: [[Double]] { zip(direction, beta).map { zip($0, $1).map { $0 * $1 } } }
}

/// One evaluation of the relaxed bound.
struct RelaxedEvaluation {
  /// Per row, the bound (unsound: no error terms).
  var bound: [Double]
  /// Per layer, `[rows, width]`: the gradients of the bound in α and β.
  var alphaGradient: [[Double]]
  var betaGradient: [[Double]]
  /// Per layer, the coefficients `Λ` on the ReLU outputs (for branching).
  var coefficients: [[Double]]
  /// Per row, the corner of the box that minimizes the final linear function (a candidate
  /// counterexample), `[rows, input width]`.
  var minimizer: [Double]
  /// Per row, the final linear function's coefficients on the input, `[rows, input width]`.
  var inputCoefficients: [Double]
}

extension ReLUChain {
  /// The bound of each row and its gradient, over the input box `[inputLower, inputUpper]`
  /// (`gradients: false`: the bound, coefficients and minimizers only, half the products).
  func evaluate(_ rows: RelaxedRows, inputLower: [Double], inputUpper: [Double], gradients: Bool = true) -> RelaxedEvaluation {
    let r = rows.count, layers = dense.count
    var lambda = rows.start, gamma = rows.constant
    var coefficients = [[Double]](repeating: [], count: layers)
    var slopes = [[Double]](repeating: [], count: layers)
    var intercepts = [[Double]](repeating: [], count: layers)
    for k in stride(from: layers - 1, through: 0, by: -1) {
      let n = dense[k].outputWidth, m = dense[k].inputWidth
      coefficients[k] = lambda
      var s = [Double](repeating: 0, count: r * n), t = s
      var p = [Double](repeating: 0, count: r * n)
      for q in 0..<(r * n) {
        let l = rows.lower[k][q], u = rows.upper[k][q], c = lambda[q]
        if u <= 0 {
          s[q] = 0
        } else if l >= 0 {
          s[q] = 1
        } else if c >= 0 {
          s[q] = rows.alpha[k][q]
        } else {
          s[q] = u / (u - l)
          t[q] = -l * s[q]
          gamma[q / n] += c * t[q]
        }
        p[q] = c * s[q] + rows.direction[k][q] * rows.beta[k][q]
      }
      slopes[k] = s
      intercepts[k] = t
      for row in 0..<r {
        for j in 0..<n { gamma[row] += p[row * n + j] * dense[k].biasLower[j] }
      }
      var next = [Double](repeating: 0, count: r * m)
      p.withUnsafeBufferPointer { pp in
        dense[k].weights.withUnsafeBufferPointer { w in
          next.withUnsafeMutableBufferPointer { out in
            DoubleMatrix.multiply(pp.baseAddress!, w.baseAddress!, into: out.baseAddress!, m: r, n: m, k: n)
          }
        }
      }
      lambda = next
    }
    let n0 = inputLower.count
    var bound = gamma, minimizer = [Double](repeating: 0, count: r * n0)
    for row in 0..<r {
      for i in 0..<n0 {
        let c = lambda[row * n0 + i], x = c >= 0 ? inputLower[i] : inputUpper[i]
        minimizer[row * n0 + i] = x
        bound[row] += c * x
      }
    }
    guard gradients else {
      return RelaxedEvaluation(
        bound: bound, alphaGradient: [], betaGradient: [], coefficients: coefficients, minimizer: minimizer, inputCoefficients: lambda)
    }
    // Reverse: the adjoint of Λ at each stage, from the input up.
    var adjoint = minimizer
    var alphaGradient = [[Double]](repeating: [], count: layers), betaGradient = alphaGradient
    for k in 0..<layers {
      let n = dense[k].outputWidth, m = dense[k].inputWidth
      var dp = [Double](repeating: 0, count: r * n)  // ∂bound/∂P = adjoint Wᵀ + b
      adjoint.withUnsafeBufferPointer { a in
        dense[k].weights.withUnsafeBufferPointer { w in
          dp.withUnsafeMutableBufferPointer { out in
            DoubleMatrix.multiplyTransposed(a.baseAddress!, w.baseAddress!, into: out.baseAddress!, m: r, n: n, k: m)
          }
        }
      }
      var ga = [Double](repeating: 0, count: r * n), gb = ga, up = ga
      for q in 0..<(r * n) {
        dp[q] += dense[k].biasLower[q % n]
        let l = rows.lower[k][q], u = rows.upper[k][q], c = coefficients[k][q]
        if l < 0 && u > 0 && c >= 0 { ga[q] = c * dp[q] }
        gb[q] = rows.direction[k][q] * dp[q]
        up[q] = slopes[k][q] * dp[q] + intercepts[k][q]
      }
      alphaGradient[k] = ga
      betaGradient[k] = gb
      adjoint = up
    }
    return RelaxedEvaluation(
      bound: bound, alphaGradient: alphaGradient, betaGradient: betaGradient, coefficients: coefficients, minimizer: minimizer,
      inputCoefficients: lambda)
  }

  /// Projected gradient ascent (Adam, as α,β-CROWN) on every row's bound: α kept in [0, 1], β ≥ 0.
  /// Returns the rows with the parameters of the best bound seen per row, and the last evaluation.
  func optimize(
    _ rows: RelaxedRows, inputLower: [Double], inputUpper: [Double], iterations: Int,
    alphaRate: Double = 0.1, betaRate: Double = 0.05
  ) -> (rows: RelaxedRows, evaluation: RelaxedEvaluation) {
    var current = rows, best = rows
    var evaluation = evaluate(current, inputLower: inputLower, inputUpper: inputUpper)
    var bestBound = evaluation.bound.map { $0.isNaN ? -Double.infinity : $0 }
    var bestEvaluation = evaluation
    var alphaAdam = Adam(shapes: current.alpha.map(\.count)), betaAdam = Adam(shapes: current.beta.map(\.count))
    let n = widths
    for _ in 0..<iterations {
      alphaAdam.step(&current.alpha, gradient: evaluation.alphaGradient, rate: alphaRate) { min(max($0, 0), 1) }
      betaAdam.step(&current.beta, gradient: evaluation.betaGradient, rate: betaRate) { max($0, 0) }
      evaluation = evaluate(current, inputLower: inputLower, inputUpper: inputUpper)
      for row in 0..<rows.count where evaluation.bound[row] > bestBound[row] {
        bestBound[row] = evaluation.bound[row]
        for k in n.indices {
          let range = (row * n[k])..<((row + 1) * n[k])
          best.alpha[k].replaceSubrange(range, with: current.alpha[k][range])
          best.beta[k].replaceSubrange(range, with: current.beta[k][range])
          bestEvaluation.coefficients[k].replaceSubrange(range, with: evaluation.coefficients[k][range])
        }
        let width = inputLower.count
        bestEvaluation.minimizer.replaceSubrange(
          (row * width)..<((row + 1) * width), with: evaluation.minimizer[(row * width)..<((row + 1) * width)])
        bestEvaluation.inputCoefficients.replaceSubrange(
          (row * width)..<((row + 1) * width), with: evaluation.inputCoefficients[(row * width)..<((row + 1) * width)])
      }
    }
    bestEvaluation.bound = bestBound
    return (best, bestEvaluation)
  }
}

/// Adam's moment estimates for a list of parameter arrays, ascending (the bound is maximized).
struct Adam {
  var first: [[Double]]
  var second: [[Double]]
  var steps = 0

  init(shapes: [Int]) {
    first = shapes.map { [Double](repeating: 0, count: $0) }
    second = first
  }

  mutating func step(_ values: inout [[Double]], gradient: [[Double]], rate: Double, project: (Double) -> Double) {
    steps += 1
    let b1 = 0.9, b2 = 0.999
    let c1 = 1 - pow(b1, Double(steps)), c2 = 1 - pow(b2, Double(steps))
    for k in values.indices {
      for q in values[k].indices {
        let g = gradient[k][q].isFinite ? gradient[k][q] : 0
        first[k][q] = b1 * first[k][q] + (1 - b1) * g
        second[k][q] = b2 * second[k][q] + (1 - b2) * g * g
        let update = rate * (first[k][q] / c1) / ((second[k][q] / c2).squareRoot() + 1e-8)
        values[k][q] = project(values[k][q] + update)
      }
    }
  }
}

extension RelaxedRows {
  /// The rows at `indices`, in that order.
  func selecting(_ indices: [Int]) -> RelaxedRows {
    guard count > 0 else { return self }
    func pick(_ values: [Double]) -> [Double] {
      let width = values.count / count
      var picked: [Double] = []
      picked.reserveCapacity(indices.count * width)
      for row in indices { picked += values[(row * width)..<((row + 1) * width)] }
      return picked
    }
    return RelaxedRows(
      count: indices.count, lower: lower.map(pick), upper: upper.map(pick), alpha: alpha.map(pick), beta: beta.map(pick),
      direction: direction.map(pick), start: pick(start), constant: indices.map { constant[$0] })
  }
}
