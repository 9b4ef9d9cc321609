import Train

/// The taps of a window sweep over one example (a convolution, an average pool): per output, the
/// input entries it reads and the weight each is multiplied by, so that one error model serves
/// every layer that is a sum of products over windows (Docs/Audits.md, "Gradient audit: the bound").
///
/// With `|v̂| ≤ |v| + E_v` for the Float32 operands and `γ_n` the bound of a sum of `n` products in
/// any order (`GradientErrorBound`), each pass is the dense layer's argument over the taps:
///
///     forward   E_y[o]  ≤ Σ_t |w_t| E_x[i_t] + γ_{n_o + r} (Σ_t |w_t| (|x| + E_x)[i_t] + |b|) + τ
///     weights   E_dw[j] ≤ Σ_b Σ_{t: w_t = j} (E_dy |x̂| + |dy| E_x) + γ_n Σ (|dy| + E_dy)|x̂| + τ
///     input     E_dx[i] ≤ Σ_{t: i_t = i} |w_t| E_dy + γ_{n_i + r} Σ |w_t| (|dy| + E_dy) + τ
///
/// `n` counts the taps actually summed (padding reads an exact 0, whose product and sum are exact)
/// and `r` extra roundings a kernel makes (an average pool's `1/K²` and its product: 2).
struct WindowTaps {
  /// Input and output entries per example.
  let inputs: Int
  let outputs: Int
  /// The taps of output `o` are `start[o] ..< start[o + 1]`.
  private(set) var start: [Int] = [0]
  private(set) var input: [Int32] = []
  private(set) var weight: [Int32] = []
  /// Per output, its bias entry (nil: no bias).
  private(set) var bias: [Int32]? = nil

  init(inputs: Int, outputs: Int) {
    self.inputs = inputs
    self.outputs = outputs
  }

  /// Adds a tap to the output being built.
  mutating func tap(input i: Int, weight j: Int) {
    input.append(Int32(i))
    weight.append(Int32(j))
  }

  /// Closes the current output (with its bias entry, if any) and starts the next.
  mutating func endOutput(bias b: Int? = nil) {
    start.append(input.count)
    if let b {
      if bias == nil { bias = [] }
      bias!.append(Int32(b))
    }
  }

  /// The sweep of a `C x H x W` image by `geometry`'s windows, for `outputChannels` filters of
  /// every input channel (a convolution, weight `[D, C, K, K]`), or for one filter per channel
  /// (`depthwise`: weight `[C, K, K]`; also an average pool, whose weights are all entry 0).
  static func sweep(_ g: WindowGeometry, outputChannels: Int?, sharedWeight: Bool = false, bias: Bool) -> WindowTaps {
    let (oh, ow, k, s, pad) = (g.outputHeight, g.outputWidth, g.kernel, g.stride, g.padding)
    let depth = outputChannels ?? g.channels
    var taps = WindowTaps(inputs: g.channels * g.height * g.width, outputs: depth * oh * ow)
    for d in 0..<depth {
      let channels = outputChannels == nil ? d..<(d + 1) : 0..<g.channels
      for p in 0..<oh {
        for q in 0..<ow {
          for c in channels {
            for u in 0..<k {
              let h: Int = s * p + u - pad
              guard h >= 0 && h < g.height else { continue }
              for v in 0..<k {
                let w: Int = s * q + v - pad
                guard w >= 0 && w < g.width else { continue }
                // A filter's first tap: [D, C, K, K] for a convolution, [C, K, K] depthwise.
                let filter: Int = outputChannels == nil ? d : d * g.channels + c
                let j: Int = sharedWeight ? 0 : (filter * k + u) * k + v
                let i: Int = (c * g.height + h) * g.width + w
                taps.tap(input: i, weight: j)
              }
            }
          }
          taps.endOutput(bias: bias ? d : nil)
        }
      }
    }
    return taps
  }

  // MARK: - The three passes

  /// `E_y` for the batch: `weights` are `|w|`, `biases` `|b|` (or empty), `extra` roundings.
  func forwardError(weights: [Double], biases: [Double], extra: Int, errors: [Double], _ p: ErrorPropagation, at k: Int) -> [Double] {
    typealias B = GradientErrorBound
    let magnitudes = p.magnitudes[k]
    var out = Array(repeating: 0.0, count: p.batch * outputs)
    for b in 0..<p.batch {
      let (x, y) = (b * inputs, b * outputs)
      for o in 0..<outputs {
        var propagated = 0.0, size = bias.map { biases[Int($0[o])] } ?? 0
        for t in start[o]..<start[o + 1] {
          let (i, w) = (x + Int(input[t]), weights[Int(weight[t])])
          propagated += w * errors[i]
          size += w * (magnitudes[i] + errors[i])
        }
        let n = start[o + 1] - start[o] + (bias == nil ? 0 : 1) + extra
        out[y + o] = (propagated + B.gamma(n) * size + B.tau(n)) * B.safety
      }
    }
    return out
  }

  /// `E_dw` and `E_db` (empty without a bias) summed over the batch, from `E_dy`.
  func parameterErrors(weightCount: Int, biasCount: Int, dy: [Double], _ p: ErrorPropagation, at k: Int) -> (weights: [Double], biases: [Double]) {
    typealias B = GradientErrorBound
    let (magnitudes, errors, seed) = (p.magnitudes[k], p.errors[k], p.seedMagnitudes[k])
    var propagated = Array(repeating: 0.0, count: weightCount), size = propagated, terms = Array(repeating: 0, count: weightCount)
    var biasPropagated = Array(repeating: 0.0, count: biasCount), biasSize = biasPropagated, biasTerms = Array(repeating: 0, count: biasCount)
    for b in 0..<p.batch {
      let (x, y) = (b * inputs, b * outputs)
      for o in 0..<outputs {
        let (e, g) = (dy[y + o], seed[y + o])
        if let bias {
          let d = Int(bias[o])
          biasPropagated[d] += e
          biasSize[d] += g + e
          biasTerms[d] += 1
        }
        for t in start[o]..<start[o + 1] {
          let (i, j) = (x + Int(input[t]), Int(weight[t]))
          let xhat = magnitudes[i] + errors[i]
          propagated[j] += e * xhat + g * errors[i]
          size[j] += (g + e) * xhat
          terms[j] += 1
        }
      }
    }
    let weights = (0..<weightCount).map { j in (propagated[j] + B.gamma(terms[j]) * size[j] + B.tau(terms[j])) * B.safety }
    let biases = (0..<biasCount).map { d in (biasPropagated[d] + B.gamma(biasTerms[d]) * biasSize[d]) * B.safety }
    return (weights, biases)
  }

  /// `E_dx` for the batch, from `E_dy`: `weights` are `|w|`, `extra` roundings.
  func inputError(weights: [Double], extra: Int, dy: [Double], _ p: ErrorPropagation, at k: Int) -> [Double] {
    typealias B = GradientErrorBound
    let seed = p.seedMagnitudes[k]
    var propagated = Array(repeating: 0.0, count: p.batch * inputs), size = propagated
    var terms = Array(repeating: 0, count: inputs)
    for o in 0..<outputs { for t in start[o]..<start[o + 1] { terms[Int(input[t])] += 1 } }
    for b in 0..<p.batch {
      let (x, y) = (b * inputs, b * outputs)
      for o in 0..<outputs {
        let (e, g) = (dy[y + o], seed[y + o])
        for t in start[o]..<start[o + 1] {
          let (i, w) = (x + Int(input[t]), weights[Int(weight[t])])
          propagated[i] += w * e
          size[i] += w * (g + e)
        }
      }
    }
    return propagated.indices.map { i in
      let n = terms[i % inputs] + extra
      return (propagated[i] + B.gamma(n) * size[i] + B.tau(n)) * B.safety
    }
  }
}
