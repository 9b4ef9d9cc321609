/// A 2-D convolution with bias, certified block `conv2d_s1` (stride 1) or `conv2d_s2` (stride 2,
/// `Conv2DStride2`) of `Theorems/cnn.thm`:
///
///     y[d, p, q] = sum(c, u, v) w[d, c, u, v] * x[c, s p + u - pad, s q + v - pad] + b[d]
///
/// with zero padding `pad` (the block's `P - 1`). Images are `C x H x W`, channel-major; a batch
/// is a `[B, C H W]` matrix. The rules, summed over the batch:
///
///     conv2d_s1.x   dx = col2im(wᵀ dY)        (vjp x: the transposed convolution)
///     conv2d_s1.w   dw = dY colsᵀ             (vjp w[d, c, u, v] = sum(p, q) dy[d, p, q] x[...])
///     conv2d_s1.b   db[d] = sum(p, q) dy[d, p, q]
///
/// where `cols` is the batch unfolded by `Im2Col` (`[C K K, B OH OW]`) and `dY` the output gradient
/// as a `[D, B OH OW]` matrix: each rule is one BLAS `gemm` over the whole batch.
public class Conv2D: LayerKernels {
  public class var certifiedBlock: String { "conv2d_s1" }
  public class var ruleNames: [String] { ["\(certifiedBlock).x", "\(certifiedBlock).w", "\(certifiedBlock).b"] }
  public class var operandNames: [String] { ["x", "w", "b"] }
  /// The stride of the certified block.
  public class var stride: Int { 1 }

  public let name: String
  public let geometry: WindowGeometry
  public let outputChannels: Int
  /// `w`, shape `[D, C, K, K]`.
  public let weight: Parameter
  /// `b`, shape `[D]`.
  public let bias: Parameter
  public var parameters: [Parameter] { [weight, bias] }
  public var inputWidth: Int { geometry.inputCount }
  public var outputWidth: Int { outputChannels * geometry.outputPlane }
  public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
  public var outputShape: [Int] { [outputChannels, geometry.outputHeight, geometry.outputWidth] }

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  /// The batch unfolded (`[C K K, B OH OW]`, kept from forward for the weight rule), and its gradient.
  private var columns: Workspace<Float>
  private var columnGradient: Workspace<Float>
  /// The output (gradient) as `[D, B OH OW]`.
  private var product: Workspace<Float>
  private var lastInput: UnsafeMatrix<Float>?

  /// A convolution of `input` (`[C, H, W]`) to `channels` channels; the stride is the type's.
  public required init(name: String, input: [Int], channels: Int, kernel: Int, padding: Int) {
    self.name = name
    geometry = WindowGeometry(input: input, kernel: kernel, stride: Self.stride, padding: padding)
    outputChannels = channels
    let block = Self.certifiedBlock
    weight = Parameter(name: name + ".w", rule: block + ".w", shape: [channels, geometry.channels, kernel, kernel])
    bias = Parameter(name: name + ".b", rule: block + ".b", shape: [channels])
    output = Workspace(columns: channels * geometry.outputPlane)
    inputGradient = Workspace(columns: geometry.inputCount)
    let unfolded = geometry.channels * kernel * kernel * geometry.outputPlane
    columns = Workspace(columns: unfolded)
    columnGradient = Workspace(columns: unfolded)
    product = Workspace(columns: channels * geometry.outputPlane)
  }

  /// Draws the weights by `scheme` (fan-in `C K K`) and zeroes the bias.
  package func initialize(_ scheme: Initialization, using random: inout RandomSource) {
    scheme.fill(&weight.value, using: &random)
    bias.value = Tensor(zeros: [outputChannels])
  }

  package func reserve(batchCapacity: Int) {
    // The gradients' workspaces grow in `backward`: evaluation batches (1,000 examples) need
    // none, and the unfolded columns are the largest buffers a model has.
    output.reserve(rows: batchCapacity)
    columns.reserve(rows: batchCapacity)
    product.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    precondition(input.columns == inputWidth, "\(name): \(input.columns) inputs, expected \(inputWidth)")
    let y = output.matrix(rows: input.rows)
    weight.value.withUnsafeBufferPointer { w in
      bias.value.withUnsafeBufferPointer { b in
        Self.forward(
          x: input, weight: w.baseAddress!, bias: b.baseAddress!, geometry: geometry, outputChannels: outputChannels,
          columns: columns.matrix(rows: input.rows).base, product: product.matrix(rows: input.rows).base, into: y)
      }
    }
    lastInput = input
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard let x = lastInput, x.rows == outputGradient.rows else {
      preconditionFailure("\(name): backward without a matching forward")
    }
    if needsInputGradient {
      inputGradient.reserve(rows: x.rows)
      columnGradient.reserve(rows: x.rows)
    }
    let dx = needsInputGradient ? inputGradient.matrix(rows: x.rows) : nil
    // Read only when the input gradient is computed.
    let dcols = needsInputGradient ? columnGradient.matrix(rows: x.rows).base : columns.matrix(rows: x.rows).base
    weight.value.withUnsafeBufferPointer { w in
      weight.gradient.withUnsafeMutableBufferPointer { dw in
        bias.gradient.withUnsafeMutableBufferPointer { db in
          Self.backward(
            batch: x.rows, weight: w.baseAddress!, geometry: geometry, outputChannels: outputChannels,
            outputGradient: outputGradient, columns: columns.matrix(rows: x.rows).base,
            product: product.matrix(rows: x.rows).base, columnGradient: dcols,
            weightGradient: dw.baseAddress!, biasGradient: db.baseAddress!, inputGradient: dx,
            accumulateWeight: weight.accumulatesGradient, accumulateBias: bias.accumulatesGradient)
        }
      }
    }
    return dx
  }

  // MARK: - Kernels

  /// `y = w * x + b` for a batch: unfold, one `gemm` (`[D, C K K] x [C K K, B OH OW]`), then the
  /// `[D, B OH OW]` product copied to `[B, D OH OW]` with the bias added.
  static func forward<S: TrainScalar>(
    x: UnsafeMatrix<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>, geometry g: WindowGeometry, outputChannels d: Int,
    columns: UnsafeMutablePointer<S>, product: UnsafeMutablePointer<S>, into y: UnsafeMatrix<S>
  ) {
    let (batch, plane) = (x.rows, g.outputPlane)
    let (taps, n) = (g.channels * g.kernel * g.kernel, x.rows * g.outputPlane)
    guard batch > 0 else { return }
    for b in 0..<batch { Im2Col.unfold(x.row(b), g, into: columns, ld: n, offset: b * plane) }
    S.gemm(
      transposeA: false, transposeB: false, m: d, n: n, k: taps, alpha: 1, a: weight, lda: taps,
      b: columns, ldb: n, beta: 0, c: product, ldc: n)
    for b in 0..<batch {
      for channel in 0..<d {
        let (src, dst, shift) = (product + channel * n + b * plane, y.row(b) + channel * plane, bias[channel])
        for k in 0..<plane { dst[k] = src[k] + shift }
      }
    }
  }

  /// `dw = dY colsᵀ`, `db` = row sums of `dY`, and `dx = col2im(wᵀ dY)` when `inputGradient` is
  /// given, with `dY` the output gradient as `[D, B OH OW]` (copied into `product`). With
  /// `accumulateWeight` (`accumulateBias`), `dw` (`db`) is added to what the buffer holds.
  static func backward<S: TrainScalar>(
    batch: Int, weight: UnsafePointer<S>, geometry g: WindowGeometry, outputChannels d: Int,
    outputGradient dy: UnsafeMatrix<S>, columns: UnsafePointer<S>, product: UnsafeMutablePointer<S>,
    columnGradient: UnsafeMutablePointer<S>, weightGradient: UnsafeMutablePointer<S>, biasGradient: UnsafeMutablePointer<S>,
    inputGradient dx: UnsafeMatrix<S>?, accumulateWeight: Bool = false, accumulateBias: Bool = false
  ) {
    let plane = g.outputPlane
    let (taps, n) = (g.channels * g.kernel * g.kernel, batch * plane)
    if !accumulateBias { biasGradient.update(repeating: 0, count: d) }
    guard batch > 0 else {
      if !accumulateWeight { weightGradient.update(repeating: 0, count: d * taps) }
      return
    }
    for channel in 0..<d {
      var sum: S = 0
      for b in 0..<batch {
        let (src, dst) = (dy.row(b) + channel * plane, product + channel * n + b * plane)
        dst.update(from: src, count: plane)
        for k in 0..<plane { sum += src[k] }
      }
      biasGradient[channel] += sum
    }
    S.gemm(
      transposeA: false, transposeB: true, m: d, n: taps, k: n, alpha: 1, a: product, lda: n,
      b: columns, ldb: n, beta: accumulateWeight ? 1 : 0, c: weightGradient, ldc: taps)
    guard let dx else { return }
    S.gemm(
      transposeA: true, transposeB: false, m: taps, n: n, k: d, alpha: 1, a: weight, lda: taps,
      b: product, ldb: n, beta: 0, c: columnGradient, ldc: n)
    for b in 0..<batch { Im2Col.fold(columnGradient, ld: n, offset: b * plane, g, into: dx.row(b)) }
  }

  // MARK: - Rules on explicit operands

  /// Operands: `x` (`[C, H, W]` or `[B, C, H, W]`), `w` (`[D, C, K, K]`), `b` (`[D]`), and
  /// optionally `P` (a scalar: the block's dimension `P`, padding + 1; 1 when absent); `backward`
  /// also takes `dy` (`[D, OH, OW]` or `[B, D, OH, OW]`).
  public class func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try ConvolutionOperands(block: certifiedBlock, operands, stride: stride).forward()
  }

  public class func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try ConvolutionOperands(block: certifiedBlock, operands, stride: stride).backward()
  }
}

/// The stride-2 convolution, certified block `conv2d_s2`.
public final class Conv2DStride2: Conv2D {
  override public class var certifiedBlock: String { "conv2d_s2" }
  override public class var stride: Int { 2 }
}
