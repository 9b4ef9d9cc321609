import Exact

/// The shape of an image as a flat vector, channels first (`x[(c * height + h) * width + w]`).
public struct ImageShape: Sendable, Equatable {
  public let channels: Int, height: Int, width: Int
  public init(channels: Int, height: Int, width: Int) {
    precondition(channels >= 1 && height >= 1 && width >= 1, "an image has at least one channel and pixel")
    self.channels = channels
    self.height = height
    self.width = width
  }
  public var count: Int { channels * height * width }
  func index(_ c: Int, _ h: Int, _ w: Int) -> Int { (c * height + h) * width + w }
}

extension SparseAffineLayer {
  /// A 2-D convolution (cross-correlation, as PyTorch's `Conv2d`) with zero padding: output
  /// channel `o` at `(i, j)` is `b[o] + Σ_{c, p, q} K[o, c, p, q] x[c, s i + p − pad, s j + q − pad]`.
  /// - Parameters:
  ///   - kernel: `[outChannels, input.channels, size, size]`, row-major, Float32 taken exactly.
  /// - Throws: `AuditError.invalidArgument` for a kernel that does not fit or no output pixel;
  ///   `.nonFiniteWeight` for an infinite or NaN weight.
  public static func conv2d(
    input: ImageShape, outChannels: Int, size: Int, stride: Int = 1, padding: Int = 0, kernel: [Float], bias: [Float]
  ) throws(AuditError) -> (layer: SparseAffineLayer, output: ImageShape) {
    guard outChannels >= 1, size >= 1, stride >= 1, padding >= 0, kernel.count == outChannels * input.channels * size * size,
      bias.count == outChannels
    else {
      throw AuditError.invalidArgument(
        "conv2d: \(kernel.count) weights and \(bias.count) biases do not fit \(outChannels) × \(input.channels) × \(size) × \(size)")
    }
    if let bad = kernel.firstIndex(where: { !$0.isFinite }) { throw AuditError.nonFiniteWeight(array: "conv2d.K", index: bad) }
    if let bad = bias.firstIndex(where: { !$0.isFinite }) { throw AuditError.nonFiniteWeight(array: "conv2d.b", index: bad) }
    let output = try outputShape(input, channels: outChannels, size: size, stride: stride, padding: padding, kind: "conv2d")
    var layer = try windowSweep(kind: "conv2d", input: input, output: output, size: size, stride: stride, padding: padding, bias: bias) { o in
      (0..<input.channels).map { c in (c, ((o * input.channels + c) * size) * size) }
    } weight: { kernel[$0] }
    layer.convolution = ConvolutionGeometry(
      input: input, output: output, size: size, stride: stride, padding: padding, kernel: kernel.map { Double($0) })
    return (layer, output)
  }

  /// A depthwise 2-D convolution with zero padding: each channel `c` convolved with its own
  /// `size × size` kernel, `y[c, i, j] = b[c] + Σ_{p, q} K[c, p, q] x[c, s i + p − pad, s j + q − pad]`.
  /// - Parameters:
  ///   - kernel: `[input.channels, size, size]`, row-major, Float32 taken exactly.
  /// - Throws: as `conv2d`.
  public static func depthwiseConv2d(
    input: ImageShape, size: Int, stride: Int = 1, padding: Int = 0, kernel: [Float], bias: [Float]
  ) throws(AuditError) -> (layer: SparseAffineLayer, output: ImageShape) {
    guard size >= 1, stride >= 1, padding >= 0, kernel.count == input.channels * size * size, bias.count == input.channels else {
      throw AuditError.invalidArgument(
        "depthwise_conv2d: \(kernel.count) weights and \(bias.count) biases do not fit \(input.channels) × \(size) × \(size)")
    }
    if let bad = kernel.firstIndex(where: { !$0.isFinite }) { throw AuditError.nonFiniteWeight(array: "depthwise_conv2d.K", index: bad) }
    if let bad = bias.firstIndex(where: { !$0.isFinite }) { throw AuditError.nonFiniteWeight(array: "depthwise_conv2d.b", index: bad) }
    let output = try outputShape(input, channels: input.channels, size: size, stride: stride, padding: padding, kind: "depthwise_conv2d")
    let layer = try windowSweep(
      kind: "depthwise_conv2d", input: input, output: output, size: size, stride: stride, padding: padding, bias: bias
    ) { c in [(c, c * size * size)] } weight: { kernel[$0] }
    return (layer, output)
  }

  /// The rows of a convolution: output channel `o` at `(i, j)` reads, for each `(c, offset)` of
  /// `reads(o)`, input channel `c`'s window at `(s i − pad, s j − pad)` with the weights
  /// `weight(offset + p · size + q)`; reads in the padding are left out (they are 0).
  private static func windowSweep(
    kind: String, input: ImageShape, output: ImageShape, size: Int, stride: Int, padding: Int, bias: [Float],
    reads: (Int) -> [(channel: Int, offset: Int)], weight: (Int) -> Float
  ) throws(AuditError) -> SparseAffineLayer {
    var rows: [[(input: Int, coefficient: Rational)]] = []
    rows.reserveCapacity(output.count)
    for o in 0..<output.channels {
      let sources = reads(o)
      for i in 0..<output.height {
        for j in 0..<output.width {
          var row: [(input: Int, coefficient: Rational)] = []
          for (c, offset) in sources {
            for p in 0..<size {
              for q in 0..<size {
                let h = stride * i + p - padding, w = stride * j + q - padding
                guard (0..<input.height).contains(h), (0..<input.width).contains(w) else { continue }  // zero padding
                row.append((input.index(c, h, w), Rational(exactlyFloat: weight(offset + p * size + q))))
              }
            }
          }
          rows.append(row)
        }
      }
    }
    let biases = (0..<output.channels).flatMap { o in [Rational](repeating: Rational(exactlyFloat: bias[o]), count: output.height * output.width) }
    return try SparseAffineLayer(kind: kind, inputWidth: input.count, rows: rows, bias: biases)
  }

  /// Average pooling over `size × size` windows with `stride` (no padding): each output is the
  /// exact mean `(1/size²) Σ` of its window, channel by channel.
  public static func averagePool(input: ImageShape, size: Int, stride: Int) throws(AuditError) -> (layer: SparseAffineLayer, output: ImageShape) {
    guard size >= 1, stride >= 1 else { throw AuditError.invalidArgument("avgpool: size \(size) and stride \(stride) must be ≥ 1") }
    let output = try outputShape(input, channels: input.channels, size: size, stride: stride, padding: 0, kind: "avgpool")
    let weight = Rational(1, size * size)
    var rows: [[(input: Int, coefficient: Rational)]] = []
    for c in 0..<input.channels {
      for i in 0..<output.height {
        for j in 0..<output.width {
          rows.append((0..<(size * size)).map { k in (input.index(c, stride * i + k / size, stride * j + k % size), weight) })
        }
      }
    }
    return (try SparseAffineLayer(kind: "avgpool", inputWidth: input.count, rows: rows, bias: rows.map { _ in 0 }), output)
  }

  /// Global average pooling: one output per channel, the exact mean of its `height × width` values.
  public static func globalAveragePool(input: ImageShape) -> SparseAffineLayer {
    let weight = Rational(1, input.height * input.width)
    let rows = (0..<input.channels).map { c in
      (0..<(input.height * input.width)).map { k in (input: c * input.height * input.width + k, coefficient: weight) }
    }
    return try! SparseAffineLayer(kind: "global_avgpool", inputWidth: input.count, rows: rows, bias: rows.map { _ in 0 })  // fits by construction
  }

  /// Batch norm in evaluation form, folded: `y = scale[c] x + shift[c]` on every value of channel
  /// `c`. The folding (`scale = γ / √(var + ε)`, `shift = β − scale · mean`) is the loader's: an
  /// exact fold needs enclosures of the square root, so a loader must pass values it has rounded
  /// and say so, or store the folded Float32 values the trainer evaluates with.
  /// - Throws: `AuditError.invalidArgument` for one scale or shift per channel missing.
  public static func batchNorm(input: ImageShape, scale: [Float], shift: [Float]) throws(AuditError) -> SparseAffineLayer {
    guard scale.count == input.channels, shift.count == input.channels else {
      throw AuditError.invalidArgument("batchnorm: \(scale.count) scales and \(shift.count) shifts for \(input.channels) channels")
    }
    if let bad = scale.firstIndex(where: { !$0.isFinite }) { throw AuditError.nonFiniteWeight(array: "batchnorm.scale", index: bad) }
    if let bad = shift.firstIndex(where: { !$0.isFinite }) { throw AuditError.nonFiniteWeight(array: "batchnorm.shift", index: bad) }
    let plane = input.height * input.width
    let rows = (0..<input.count).map { k in [(input: k, coefficient: Rational(exactlyFloat: scale[k / plane]))] }
    return try SparseAffineLayer(
      kind: "batchnorm", inputWidth: input.count, rows: rows, bias: (0..<input.count).map { Rational(exactlyFloat: shift[$0 / plane]) })
  }

  /// Flatten: the identity on the flat vector (images are already stored flat, channels first).
  public static func flatten(width: Int) -> SparseAffineLayer {
    try! SparseAffineLayer(kind: "flatten", inputWidth: width, rows: (0..<width).map { [(input: $0, coefficient: 1)] }, bias: (0..<width).map { _ in 0 })
  }

  private static func outputShape(
    _ input: ImageShape, channels: Int, size: Int, stride: Int, padding: Int, kind: String
  ) throws(AuditError) -> ImageShape {
    let height = (input.height + 2 * padding - size) / stride + 1, width = (input.width + 2 * padding - size) / stride + 1
    guard input.height + 2 * padding >= size, input.width + 2 * padding >= size, height >= 1, width >= 1 else {
      throw AuditError.invalidArgument("\(kind): a \(size) × \(size) window does not fit a \(input.height) × \(input.width) image")
    }
    return ImageShape(channels: channels, height: height, width: width)
  }
}
