/// The sizes of a window sweep (convolution or pooling) over one `C x H x W` image.
///
/// The output is `OH x OW` with `OH = (H + 2 pad - K) / stride + 1` (and likewise `OW`): window
/// `(p, q)` reads rows `stride p - pad ..< stride p - pad + K`, and an index outside the image
/// reads 0 (zero padding; in the certified rules, zero extension). In the certified blocks the
/// padding is the dimension `P - 1`.
public struct WindowGeometry: Equatable, Sendable {
  public let channels: Int
  public let height: Int
  public let width: Int
  public let kernel: Int
  public let stride: Int
  public let padding: Int

  public init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
    precondition(channels > 0 && height > 0 && width > 0 && kernel > 0 && stride > 0 && padding >= 0, "window sizes must be positive")
    precondition(kernel <= height + 2 * padding && kernel <= width + 2 * padding, "the window is larger than the padded image")
    self.channels = channels
    self.height = height
    self.width = width
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
  }

  /// The geometry of a `[C, H, W]` input.
  init(input shape: [Int], kernel: Int, stride: Int, padding: Int) {
    precondition(shape.count == 3, "a window sweeps a CxHxW image, not \(shape)")
    self.init(channels: shape[0], height: shape[1], width: shape[2], kernel: kernel, stride: stride, padding: padding)
  }

  public var outputHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
  public var outputWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
  /// Values per input image, `C H W`.
  var inputCount: Int { channels * height * width }
  /// Output positions per channel, `OH OW`.
  var outputPlane: Int { outputHeight * outputWidth }

  /// The outputs `q` whose window's tap at offset `v` reads inside a row of `size` values:
  /// `0 <= stride q + v - pad < size`.
  @inline(__always) func validOutputs(offset v: Int, size: Int, outputs: Int) -> Range<Int> {
    let shift = v - padding
    let first = shift >= 0 ? 0 : (-shift + stride - 1) / stride
    let last = size - 1 - shift < 0 ? -1 : (size - 1 - shift) / stride
    return first..<max(first, min(last + 1, outputs))
  }
}
