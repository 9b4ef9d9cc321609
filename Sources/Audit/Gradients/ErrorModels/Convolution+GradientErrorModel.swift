import Train

/// `im2col` then one `gemm` per image: each output is a sum of `C K K` products and the bias, the
/// weight gradient a sum over the batch and the output positions, the input gradient (`col2im` of
/// `wᵀ dY`) a sum over the filters and taps; `WindowTaps` bounds all three in any order.
extension Conv2D: GradientErrorModel {
  private var taps: WindowTaps { .sweep(geometry, outputChannels: outputChannels, bias: true) }

  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    taps.forwardError(weights: weight.value.scalars.map { Double(abs($0)) }, biases: bias.value.scalars.map { Double(abs($0)) },
                      extra: 0, errors: input, p, at: k)
  }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    let taps = self.taps
    let (dw, db) = taps.parameterErrors(weightCount: weight.value.count, biasCount: bias.value.count, dy: dy, p, at: k)
    let dx = needsInput
      ? taps.inputError(weights: weight.value.scalars.map { Double(abs($0)) }, extra: 0, dy: dy, p, at: k)
      : Array(repeating: .infinity, count: p.batch * taps.inputs)
    return (dx, [dw, db])
  }
}

/// One `K x K` filter per channel: the same sums with `K K` products per output.
extension DepthwiseConv2D: GradientErrorModel {
  private var taps: WindowTaps { .sweep(geometry, outputChannels: nil, bias: true) }

  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    taps.forwardError(weights: weight.value.scalars.map { Double(abs($0)) }, biases: bias.value.scalars.map { Double(abs($0)) },
                      extra: 0, errors: input, p, at: k)
  }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    let taps = self.taps
    let (dw, db) = taps.parameterErrors(weightCount: weight.value.count, biasCount: bias.value.count, dy: dy, p, at: k)
    let dx = needsInput
      ? taps.inputError(weights: weight.value.scalars.map { Double(abs($0)) }, extra: 0, dy: dy, p, at: k)
      : Array(repeating: .infinity, count: p.batch * taps.inputs)
    return (dx, [dw, db])
  }
}
