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
/// where `cols` is an image unfolded by `Im2Col` (`[C K K, OH OW]`) and `dY` its output gradient as
/// a `[D, OH OW]` matrix (its row of the batch, channel-major): each rule is one BLAS `gemm` per
/// image, the batch cut into one part per thread (Docs/Training.md, "Convolution kernels").
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
  /// Per part of a batch (a row each), the kernels' scratch (`scratchPerPart`).
  private var scratch: Workspace<Float>
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
    scratch = Workspace(columns: Self.scratchPerPart(geometry, outputChannels: channels))
  }

  /// Draws the weights by `scheme` (fan-in `C K K`) and zeroes the bias.
  package func initialize(_ scheme: Initialization, using random: inout RandomSource) {
    scheme.fill(&weight.value, using: &random)
    bias.value = Tensor(zeros: [outputChannels])
  }

  package func reserve(batchCapacity: Int) {
    // The input gradient's workspace grows in `backward`: evaluation batches (1,000 examples)
    // need none.
    output.reserve(rows: batchCapacity)
    scratch.reserve(rows: Self.parts(batch: batchCapacity, geometry, outputChannels: outputChannels))
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    precondition(input.columns == inputWidth, "\(name): \(input.columns) inputs, expected \(inputWidth)")
    let y = output.matrix(rows: input.rows)
    // Grows only when the thread count went up since `reserve`.
    scratch.reserve(rows: Self.parts(batch: input.rows, geometry, outputChannels: outputChannels))
    WeightAndBias(weight, bias).withValues { w, b in
      Self.forward(
        x: input, weight: w, bias: b, geometry: geometry, outputChannels: outputChannels, scratch: scratch.matrix(rows: 0).base, into: y)
    }
    lastInput = input
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    let x = kept(lastInput, for: outputGradient)
    if needsInputGradient { inputGradient.reserve(rows: x.rows) }
    let dx = needsInputGradient ? inputGradient.matrix(rows: x.rows) : nil
    scratch.reserve(rows: Self.parts(batch: x.rows, geometry, outputChannels: outputChannels))
    WeightAndBias(weight, bias).withGradients { w, d in
      Self.backward(
        x: x, weight: w, geometry: geometry, outputChannels: outputChannels, outputGradient: outputGradient,
        scratch: scratch.matrix(rows: 0).base, weightGradient: d.weight, biasGradient: d.bias, inputGradient: dx,
        accumulateWeight: d.accumulateWeight, accumulateBias: d.accumulateBias)
    }
    return dx
  }

  // MARK: - Kernels

  /// Scalars of scratch one part of a batch needs (`BatchParallel`): an image's columns and their
  /// gradient (`[C K K, OH OW]` each), and the part's own weight and bias gradients.
  static func scratchPerPart(_ g: WindowGeometry, outputChannels d: Int) -> Int {
    let taps = g.channels * g.kernel * g.kernel
    return 2 * taps * g.outputPlane + d * taps + d
  }

  /// The parts a batch is cut into (`BatchParallel`): a part works image by image.
  static func parts(batch: Int, _ g: WindowGeometry, outputChannels d: Int) -> Int {
    BatchParallel.partCount(batch: batch, work: batch * g.outputPlane * d * g.channels * g.kernel * g.kernel)
  }

  /// `y = w * x + b` for a batch, image by image: unfold the image, then one `gemm`
  /// (`[D, C K K] x [C K K, OH OW]`) into its output row, which holds the bias. An image's columns
  /// stay in its thread's cache; the parts of the batch run on threads of their own.
  static func forward<S: TrainScalar>(
    x: UnsafeMatrix<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>, geometry g: WindowGeometry, outputChannels d: Int,
    scratch: UnsafeMutablePointer<S>, into y: UnsafeMatrix<S>
  ) {
    let (plane, taps) = (g.outputPlane, g.channels * g.kernel * g.kernel)
    let parts = parts(batch: x.rows, g, outputChannels: d)
    BatchParallel.forEachPart(batch: x.rows, parts: parts, serialBLAS: true) { part, examples in
      let columns = scratch + part * scratchPerPart(g, outputChannels: d)
      for b in examples {
        Im2Col.unfold(x.row(b), g, into: columns, ld: plane, offset: 0)
        let out = y.row(b)
        for channel in 0..<d { (out + channel * plane).update(repeating: bias[channel], count: plane) }
        S.gemm(
          transposeA: false, transposeB: false, m: d, n: plane, k: taps, alpha: 1, a: weight, lda: taps,
          b: columns, ldb: plane, beta: 1, c: out, ldc: plane)
      }
    }
  }

  /// `dw = sum over images of dY colsᵀ`, `db` = the sums of `dY`'s rows, and, when `inputGradient`
  /// is given, `dx = col2im(wᵀ dY)`, image by image with `dY` an image's output gradient as
  /// `[D, OH OW]` (its row of `dy`, channel-major). Each part of the batch sums its own `dw` and
  /// `db`; the parts' sums are added in order. With `accumulateWeight` (`accumulateBias`), `dw`
  /// (`db`) is added to what the buffer holds.
  static func backward<S: TrainScalar>(
    x: UnsafeMatrix<S>, weight: UnsafePointer<S>, geometry g: WindowGeometry, outputChannels d: Int,
    outputGradient dy: UnsafeMatrix<S>, scratch: UnsafeMutablePointer<S>,
    weightGradient: UnsafeMutablePointer<S>, biasGradient: UnsafeMutablePointer<S>,
    inputGradient dx: UnsafeMatrix<S>?, accumulateWeight: Bool = false, accumulateBias: Bool = false
  ) {
    let (plane, taps, batch) = (g.outputPlane, g.channels * g.kernel * g.kernel, x.rows)
    let perPart = scratchPerPart(g, outputChannels: d)
    let parts = parts(batch: batch, g, outputChannels: d)
    BatchParallel.forEachPart(batch: batch, parts: parts, serialBLAS: true) { part, examples in
      let columns = scratch + part * perPart
      let (columnGradient, dw) = (columns + taps * plane, columns + 2 * taps * plane)
      let db = dw + d * taps
      dw.update(repeating: 0, count: d * taps)
      db.update(repeating: 0, count: d)
      for b in examples {
        let dY = dy.row(b)
        Im2Col.unfold(x.row(b), g, into: columns, ld: plane, offset: 0)
        S.gemm(
          transposeA: false, transposeB: true, m: d, n: taps, k: plane, alpha: 1, a: dY, lda: plane,
          b: columns, ldb: plane, beta: 1, c: dw, ldc: taps)
        for channel in 0..<d {
          let row = dY + channel * plane
          var sum: S = 0
          for k in 0..<plane { sum += row[k] }
          db[channel] += sum
        }
        guard let dx else { continue }
        S.gemm(
          transposeA: true, transposeB: false, m: taps, n: plane, k: d, alpha: 1, a: weight, lda: taps,
          b: dY, ldb: plane, beta: 0, c: columnGradient, ldc: plane)
        Im2Col.fold(columnGradient, ld: plane, offset: 0, g, into: dx.row(b))
      }
    }
    if !accumulateWeight { weightGradient.update(repeating: 0, count: d * taps) }
    if !accumulateBias { biasGradient.update(repeating: 0, count: d) }
    for part in 0..<(batch > 0 ? parts : 0) {
      let dw = scratch + part * perPart + 2 * taps * plane
      let db = dw + d * taps
      for k in 0..<(d * taps) { weightGradient[k] += dw[k] }
      for k in 0..<d { biasGradient[k] += db[k] }
    }
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
