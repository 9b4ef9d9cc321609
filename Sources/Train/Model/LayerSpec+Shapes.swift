/// What each layer statement does to the shape of a value, and the parameters it holds.
///
/// A value is a vector `[n]` or an image `[C, H, W]` (channel-major). Convolutions and pooling
/// take images, `flatten` and `global_avgpool` turn an image into a vector, `dense` takes a vector,
/// and the elementwise layers keep any shape. Strides are those the certified rules cover
/// (`Theorems/cnn.thm`): a stride is an integer coefficient of an affine index, so each supported
/// stride is its own theorem.
extension LayerSpec {
  /// The strides the certified convolution and average-pooling rules cover.
  public static let supportedStrides = [1, 2]

  /// The output shape for an input of `input`, or why the layer does not fit it.
  public func outputShape(input: [Int]) -> Result<[Int], ShapeError> {
    func image(_ what: String) -> Result<(c: Int, h: Int, w: Int), ShapeError> {
      guard input.count == 3 else {
        return .failure(ShapeError("\(what) needs a CxHxW image, but its input is \(Self.describe(input))"
          + " (give the input as 'input CxHxW', e.g. 'input 1x28x28')"))
      }
      return .success((input[0], input[1], input[2]))
    }
    /// The output size of a window sweep, or why the window does not fit.
    func sweep(_ size: Int, kernel: Int, stride: Int, padding: Int, what: String, axis: String) -> Result<Int, ShapeError> {
      guard Self.supportedStrides.contains(stride) else {
        return .failure(ShapeError("\(what) stride \(stride) is not supported; the certified rules are for stride 1 and 2 (Theorems/cnn.thm)"))
      }
      guard kernel <= size + 2 * padding else {
        let padded = padding == 0 ? "" : " padded by \(padding) on each side to \(size + 2 * padding)"
        return .failure(ShapeError("\(what) kernel \(kernel) is larger than its input's \(axis) \(size)\(padded)"))
      }
      guard padding < kernel else {
        return .failure(ShapeError("\(what) padding \(padding) is not smaller than its kernel \(kernel): some outputs would read only padding"))
      }
      return .success((size + 2 * padding - kernel) / stride + 1)
    }
    func spatial(_ what: String, kernel: Int, stride: Int, padding: Int) -> Result<(c: Int, oh: Int, ow: Int), ShapeError> {
      image(what).flatMap { x in
        sweep(x.h, kernel: kernel, stride: stride, padding: padding, what: what, axis: "height").flatMap { oh in
          sweep(x.w, kernel: kernel, stride: stride, padding: padding, what: what, axis: "width").map { ow in (x.c, oh, ow) }
        }
      }
    }
    let width = input.reduce(1, *)
    if let tokens = tokenOutputShape(input: input) { return tokens }
    switch self {
    case .dense(let units):
      guard input.count == 1 else {
        return .failure(ShapeError("dense reads a vector, but its input is \(Self.describe(input)); write 'flatten' before it"))
      }
      return .success([units])
    case .relu, .sigmoid, .tanh, .dropout, .add, .mul: return .success(input)
    case .formula(let formula):
      guard input.count == 1 else {
        return .failure(ShapeError("layer '\(formula.name)' reads a vector, but its input is \(Self.describe(input)); write '\(input.count == 2 ? "token_meanpool" : "flatten")' before it"))
      }
      return .success([max(formula.outputWidth(forInput: width) ?? 0, 0)])
    case let .conv2d(channels, kernel, stride, padding):
      return spatial("conv2d", kernel: kernel, stride: stride, padding: padding).map { [channels, $0.oh, $0.ow] }
    case let .depthwiseConv2d(kernel, stride, padding):
      return spatial("depthwise_conv2d", kernel: kernel, stride: stride, padding: padding).map { [$0.c, $0.oh, $0.ow] }
    case let .maxpool(kernel, stride):
      guard MaxPool.kind(kernel: kernel, stride: stride) != nil else {
        let supported = MaxPool.kinds.map { "'maxpool \($0.kernel)\($0.kernel == $0.stride ? "" : " stride \($0.stride)")'" }
        return .failure(ShapeError("maxpool \(kernel) stride \(stride) is not supported; the certified rules (Theorems/maxpool*.thm) are for \(supported.joined(separator: ", "))"))
      }
      return spatial("maxpool", kernel: kernel, stride: stride, padding: 0).map { [$0.c, $0.oh, $0.ow] }
    case let .avgpool(kernel, stride):
      return spatial("avgpool", kernel: kernel, stride: stride, padding: 0).map { [$0.c, $0.oh, $0.ow] }
    case .globalAvgpool: return image("global_avgpool").map { [$0.c] }
    case .flatten: return image("flatten").map { _ in [width] }
    case .batchnorm: return image("batchnorm").map { _ in input }
    case .denseTokens, .layernorm, .softmax, .gelu, .geluTanh, .attentionHeads, .positionEmbedding, .tokenMeanpool, .patchEmbed:
      preconditionFailure("a transformer layer's shape is tokenOutputShape's")
    }
  }

  /// The number of scalars stored for an input of `input` (trainable ones and batch norm's
  /// running statistics; 0 for a layer without), or nil when it overflows `Int`.
  public func parameterCount(input: [Int]) -> Int? {
    func count(_ factors: [Int], plus bias: Int) -> Int? {
      var product = 1
      for f in factors {
        let (p, overflow) = product.multipliedReportingOverflow(by: f)
        if overflow { return nil }
        product = p
      }
      let (total, overflow) = product.addingReportingOverflow(bias)
      return overflow ? nil : total
    }
    let channels = input.count == 3 ? input[0] : 0
    switch self {
    case .dense(let units): return count([units] + input, plus: units)
    case let .conv2d(d, k, _, _): return count([d, channels, k, k], plus: d)
    case let .depthwiseConv2d(k, _, _): return count([channels, k, k], plus: channels)
    case .batchnorm: return count([4, channels], plus: 0)  // g, b, and the running m, v
    case .relu, .sigmoid, .tanh, .dropout, .formula, .add, .mul, .maxpool, .avgpool, .globalAvgpool, .flatten: return 0
    case .denseTokens, .layernorm, .softmax, .gelu, .geluTanh, .attentionHeads, .positionEmbedding, .tokenMeanpool, .patchEmbed:
      return tokenParameterCount(input: input)
    }
  }
}

extension LayerSpec {
  /// The scratch values per example a layer's kernels keep besides its output and input gradient
  /// (a convolution's unfolded columns and their gradient, and its output as `[D, B OH OW]`;
  /// attention's weights, `tokenScratchPerExample`).
  func scratchPerExample(input: [Int]) -> Int? {
    if let tokens = tokenScratchPerExample(input: input) { return tokens }
    guard case let .conv2d(channels, kernel, _, _) = self, case let .success(output) = outputShape(input: input) else { return 0 }
    let plane = output[1] * output[2]
    let (taps, o1) = input[0].multipliedReportingOverflow(by: kernel * kernel)
    let (columns, o2) = taps.multipliedReportingOverflow(by: plane)
    let (total, o3) = (2 * columns).addingReportingOverflow(channels * plane)
    return o1 || o2 || o3 || columns > Int.max / 4 ? nil : total
  }
}

/// Why a layer statement does not fit the shape of its input (reported at the statement).
public struct ShapeError: Error, Equatable, Sendable, CustomStringConvertible {
  public let message: String
  init(_ message: String) { self.message = message }
  public var description: String { message }
}
