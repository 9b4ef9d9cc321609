import Train

/// A layer whose Float32 sums are a sweep of windows over its input (`WindowTaps`), with one weight
/// tensor and a bias: its error model is the taps' bounds at its weights, the same for a full and a
/// depthwise convolution (only the taps differ).
protocol WindowedGradientErrorModel: GradientErrorModel {
  /// The sums the layer's kernels compute, per output, weight and input entry.
  var taps: WindowTaps { get }
  var weight: Parameter { get }
  var bias: Parameter { get }
}

extension WindowedGradientErrorModel {
  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    taps.forwardError(weights: weight.value.scalars.map { Double(abs($0)) }, biases: bias.value.scalars.map { Double(abs($0)) },
                      extra: 0, errors: input, p, at: k)
  }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    let taps = self.taps
    let (dw, db) = taps.parameterErrors(weightCount: weight.value.count, biasCount: bias.value.count, dy: dy, p, at: k)
    let dx = needsInput
      ? taps.inputError(weights: weight.value.scalars.map { Double(abs($0)) }, extra: 0, dy: dy, p, at: k)
      : Array(repeating: .infinity, count: p.batch * taps.inputs)  // not needed, never read
    return (dx, [dw, db])
  }
}

/// `im2col` then one `gemm` per image: each output is a sum of `C K K` products and the bias, the
/// weight gradient a sum over the batch and the output positions, the input gradient (`col2im` of
/// `wᵀ dY`) a sum over the filters and taps; `WindowTaps` bounds all three in any order.
extension Conv2D: WindowedGradientErrorModel {
  var taps: WindowTaps { .sweep(geometry, outputChannels: outputChannels, bias: true) }
}

/// One `K x K` filter per channel: the same sums with `K K` products per output.
extension DepthwiseConv2D: WindowedGradientErrorModel {
  var taps: WindowTaps { .sweep(geometry, outputChannels: nil, bias: true) }
}
