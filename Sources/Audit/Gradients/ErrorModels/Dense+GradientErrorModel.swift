import Train

extension Dense: GradientErrorModel {
  /// `Y = X Wᵀ + b`: a dot product of `n + 1` terms per output, plus the propagated input error.
  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let (n, m) = (p.widths[k], p.widths[k + 1])
    let w = parameters[0].value.scalars.map { Double(abs($0)) }
    let bias = parameters[1].value.scalars.map { Double(abs($0)) }
    let g = B.gamma(n + 1), t = B.tau(n + 1)
    let exactInput = input.allSatisfy { $0 == 0 }
    var out = Array(repeating: 0.0, count: p.batch * m)
    for b in 0..<p.batch {
      for o in 0..<m {
        var propagated = 0.0, size = bias[o]
        for i in 0..<n {
          let x = p.magnitudes[k][b * n + i] + input[b * n + i]
          size += w[o * n + i] * x
          if !exactInput { propagated += w[o * n + i] * input[b * n + i] }
        }
        out[b * m + o] = (propagated + g * size + t) * B.safety
      }
    }
    return out
  }

  /// `dW = dYᵀ X` and `db` sums over the batch; `dX = dY W` over the outputs.
  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    typealias B = GradientErrorBound
    let (n, m, batch) = (p.widths[k], p.widths[k + 1], p.batch)
    let seed = p.seedMagnitudes[k], input = p.errors[k]
    let w = parameters[0].value.scalars.map { Double(abs($0)) }
    let gB = B.gamma(batch), tB = B.tau(batch)
    var dW = Array(repeating: 0.0, count: m * n)
    for o in 0..<m {
      for i in 0..<n {
        var propagated = 0.0, size = 0.0
        for b in 0..<batch {
          let x = p.magnitudes[k][b * n + i] + input[b * n + i]
          propagated += dy[b * m + o] * x + seed[b * m + o] * input[b * n + i]
          size += (seed[b * m + o] + dy[b * m + o]) * x
        }
        dW[o * n + i] = (propagated + gB * size + tB) * B.safety
      }
    }
    var db = Array(repeating: 0.0, count: m)
    for o in 0..<m {
      var propagated = 0.0, size = 0.0
      for b in 0..<batch {
        propagated += dy[b * m + o]
        size += seed[b * m + o] + dy[b * m + o]
      }
      db[o] = (propagated + gB * size) * B.safety
    }
    var dx = Array(repeating: Double.infinity, count: batch * n)
    if needsInput {
      let gO = B.gamma(m), tO = B.tau(m)
      for b in 0..<batch {
        for i in 0..<n {
          var propagated = 0.0, size = 0.0
          for o in 0..<m {
            propagated += w[o * n + i] * dy[b * m + o]
            size += w[o * n + i] * (seed[b * m + o] + dy[b * m + o])
          }
          dx[b * n + i] = (propagated + gO * size + tO) * B.safety
        }
      }
    }
    return (dx, [dW, db])
  }
}
