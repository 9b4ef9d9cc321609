import Train

/// `Dense`'s three `gemm`s on the `[B T, I]` rows of the tokens: each output a sum of `I` products
/// and the bias, `dW` and `db` sums over the batch's `B T` tokens, `dX` over the outputs. As taps
/// (`WindowTaps`), which bound these sums in any order; the bounds are the windowed layers' own.
extension DenseTokens: WindowedGradientErrorModel {
  var taps: WindowTaps {
    var taps = WindowTaps(inputs: tokens * features, outputs: tokens * units)
    for t in 0..<tokens {
      for o in 0..<units {
        for i in 0..<features { taps.tap(input: t * features + i, weight: o * features + i) }
        taps.endOutput(bias: o)
      }
    }
    return taps
  }
}

/// The gathered patches times `w` (`Dense`'s `gemm`s on `[B GH GW, C k k]`): per token and feature
/// a sum of `C k²` products and the bias; the input gradient is `dP = dY W` scattered back (a copy:
/// patches do not overlap; pixels outside every patch get an exact 0).
extension PatchEmbed: WindowedGradientErrorModel {
  var taps: WindowTaps {
    let (c, h, w, k) = (inputShape[0], inputShape[1], inputShape[2], Self.patch)
    var taps = WindowTaps(inputs: inputWidth, outputs: outputWidth)
    for p in 0..<(h / k) {
      for q in 0..<(w / k) {
        for d in 0..<units {
          for channel in 0..<c {
            for u in 0..<k {
              for v in 0..<k { taps.tap(input: (channel * h + k * p + u) * w + k * q + v, weight: ((d * c + channel) * k + u) * k + v) }
            }
          }
          taps.endOutput(bias: d)
        }
      }
    }
    return taps
  }
}

/// `y = fl(x̂ + P)`; `dx = dy` (the same buffer); `dP = Σ_b dy`, a sum of `B` terms from 0.
extension PositionEmbedding: GradientErrorModel {
  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let y = p.magnitudes[k + 1]
    return y.indices.map { j in (input[j] + B.u * (y[j] + input[j])) * B.safety }
  }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    typealias B = GradientErrorBound
    let (width, seed, g) = (inputWidth, p.seedMagnitudes[k], B.gamma(p.batch))
    let dP = (0..<width).map { j in
      var (propagated, size) = (0.0, 0.0)
      for b in 0..<p.batch {
        propagated += dy[b * width + j]
        size += seed[b * width + j] + dy[b * width + j]
      }
      return (propagated + g * size) * B.safety
    }
    return (dy, [dP])
  }
}

/// `y[d] = fl(fl(Σ_t x[t, d]) · fl(1/T))` and `dx[t, d] = fl(fl(1/T) · dy[d])`: the taps of one
/// window of `T` tokens per feature with weight `1/T` and two extra roundings, as `GlobalAvgPool`.
extension TokenMeanPool: GradientErrorModel {
  private var taps: WindowTaps {
    let (t, d) = (inputShape[0], inputShape[1])
    var taps = WindowTaps(inputs: t * d, outputs: d)
    for feature in 0..<d {
      for token in 0..<t { taps.tap(input: token * d + feature, weight: 0) }
      taps.endOutput()
    }
    return taps
  }
  private var share: [Double] { [1 / Double(inputShape[0])] }

  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    taps.forwardError(weights: share, biases: [], extra: 2, errors: input, p, at: k)
  }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    (taps.inputError(weights: share, extra: 2, dy: dy, p, at: k), [])
  }
}
