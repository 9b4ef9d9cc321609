/// One fully connected layer `z = W h + b` with Float32 weights, `W` shaped `[out, in]` (the
/// trainer's convention: `weights[o * inputWidth + i]` is `W[o, i]`).
///
/// The audit treats the Float32 values as exact real numbers: it bounds the real-number network
/// these weights define.
public struct DenseLayer: Sendable, Equatable {
  /// The number of inputs.
  public let inputWidth: Int
  /// The number of outputs.
  public let outputWidth: Int
  /// `W`, row-major `[out, in]`.
  public let weights: [Float]
  /// `b`, `[out]`.
  public let bias: [Float]

  /// A layer in the trainer's convention: `weights` row-major `[outputWidth, inputWidth]`.
  /// - Throws: `AuditError.shapeMismatch` when the counts disagree with the widths,
  ///   `AuditError.nonFiniteWeight` for an infinite or NaN value.
  public init(inputWidth: Int, outputWidth: Int, weights: [Float], bias: [Float]) throws(AuditError) {
    guard inputWidth > 0, outputWidth > 0 else {
      throw AuditError.invalidArgument("a dense layer needs positive widths, not \(inputWidth) → \(outputWidth)")
    }
    guard weights.count == inputWidth * outputWidth else {
      throw AuditError.shapeMismatch(
        array: "W", shape: [weights.count], expected: "[\(outputWidth), \(inputWidth)] (\(inputWidth * outputWidth) values)")
    }
    guard bias.count == outputWidth else {
      throw AuditError.shapeMismatch(array: "b", shape: [bias.count], expected: "[\(outputWidth)]")
    }
    if let bad = weights.firstIndex(where: { !$0.isFinite }) { throw AuditError.nonFiniteWeight(array: "W", index: bad) }
    if let bad = bias.firstIndex(where: { !$0.isFinite }) { throw AuditError.nonFiniteWeight(array: "b", index: bad) }
    self.inputWidth = inputWidth
    self.outputWidth = outputWidth
    self.weights = weights
    self.bias = bias
  }

  /// A layer in NumPy's convention `y = x @ W + b`: `numpyWeights` row-major `(inputWidth,
  /// outputWidth)`, transposed here to `[out, in]`.
  /// - Throws: as `init(inputWidth:outputWidth:weights:bias:)`.
  public init(inputWidth: Int, outputWidth: Int, numpyWeights: [Float], bias: [Float]) throws(AuditError) {
    guard inputWidth > 0, outputWidth > 0, numpyWeights.count == inputWidth * outputWidth else {
      throw AuditError.shapeMismatch(
        array: "W", shape: [numpyWeights.count], expected: "(\(inputWidth), \(outputWidth)) (\(inputWidth * outputWidth) values)")
    }
    var transposed = [Float](repeating: 0, count: numpyWeights.count)
    for i in 0..<inputWidth {
      for o in 0..<outputWidth { transposed[o * inputWidth + i] = numpyWeights[i * outputWidth + o] }
    }
    try self.init(inputWidth: inputWidth, outputWidth: outputWidth, weights: transposed, bias: bias)
  }

  /// `W[output, input]`.
  @inline(__always)
  public func weight(output: Int, input: Int) -> Float { weights[output * inputWidth + input] }
}
