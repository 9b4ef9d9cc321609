/// A depthwise 2-D convolution with bias (one `K x K` filter per channel), certified block
/// `depthwise_conv2d_s1` (stride 1) or `depthwise_conv2d_s2` (stride 2,
/// `DepthwiseConv2DStride2`) of `Theorems/cnn.thm`:
///
///     y[c, p, q] = sum(u, v) w[c, u, v] * x[c, s p + u - pad, s q + v - pad] + b[c]
///
/// A channel's product is small (`K²` taps), so the kernels are direct loops over the valid taps
/// (`WindowGeometry.validOutputs`) rather than an unfolding and a `gemm`.
public class DepthwiseConv2D: LayerKernels {
  public class var certifiedBlock: String { "depthwise_conv2d_s1" }
  public class var ruleNames: [String] { ["\(certifiedBlock).x", "\(certifiedBlock).w", "\(certifiedBlock).b"] }
  public class var operandNames: [String] { ["x", "w", "b"] }
  public class var stride: Int { 1 }

  public let name: String
  public let geometry: WindowGeometry
  /// `w`, shape `[C, K, K]`; `b`, shape `[C]`.
  public let weight: Parameter
  public let bias: Parameter
  public var parameters: [Parameter] { [weight, bias] }
  public var inputWidth: Int { geometry.inputCount }
  public var outputWidth: Int { geometry.channels * geometry.outputPlane }
  public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
  public var outputShape: [Int] { [geometry.channels, geometry.outputHeight, geometry.outputWidth] }

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var lastInput: UnsafeMatrix<Float>?

  public required init(name: String, input: [Int], kernel: Int, padding: Int) {
    self.name = name
    geometry = WindowGeometry(input: input, kernel: kernel, stride: Self.stride, padding: padding)
    weight = Parameter(name: name + ".w", rule: Self.certifiedBlock + ".w", shape: [geometry.channels, kernel, kernel])
    bias = Parameter(name: name + ".b", rule: Self.certifiedBlock + ".b", shape: [geometry.channels])
    output = Workspace(columns: geometry.channels * geometry.outputPlane)
    inputGradient = Workspace(columns: geometry.inputCount)
  }

  /// Draws the weights by `scheme` (fan-in `K K`) and zeroes the bias.
  package func initialize(_ scheme: Initialization, using random: inout RandomSource) {
    scheme.fill(&weight.value, using: &random)
    bias.value = Tensor(zeros: [geometry.channels])
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    WeightAndBias(weight, bias).withValues { w, b in Self.forward(x: input, weight: w, bias: b, geometry: geometry, into: y) }
    lastInput = input
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    let x = kept(lastInput, for: outputGradient)
    let dx = needsInputGradient ? inputGradient.matrix(rows: x.rows) : nil
    WeightAndBias(weight, bias).withGradients { w, d in
      Self.backward(
        x: x, weight: w, geometry: geometry, outputGradient: outputGradient, weightGradient: d.weight, biasGradient: d.bias,
        inputGradient: dx, accumulateWeight: d.accumulateWeight, accumulateBias: d.accumulateBias)
    }
    return dx
  }

  // MARK: - Kernels

  static func forward<S: TrainScalar>(
    x: UnsafeMatrix<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>, geometry g: WindowGeometry, into y: UnsafeMatrix<S>
  ) {
    let (oh, ow, k, s) = (g.outputHeight, g.outputWidth, g.kernel, g.stride)
    for r in 0..<x.rows {
      for c in 0..<g.channels {
        let (plane, out) = (x.row(r) + c * g.height * g.width, y.row(r) + c * oh * ow)
        for i in 0..<(oh * ow) { out[i] = bias[c] }
        for u in 0..<k {
          let rows = g.validOutputs(offset: u, size: g.height, outputs: oh)
          for v in 0..<k {
            let tap = weight[(c * k + u) * k + v]
            let columns = g.validOutputs(offset: v, size: g.width, outputs: ow)
            for p in rows {
              let src = plane + (s * p + u - g.padding) * g.width + (v - g.padding)
              for q in columns { out[p * ow + q] += tap * src[s * q] }
            }
          }
        }
      }
    }
  }

  static func backward<S: TrainScalar>(
    x: UnsafeMatrix<S>, weight: UnsafePointer<S>, geometry g: WindowGeometry, outputGradient dy: UnsafeMatrix<S>,
    weightGradient: UnsafeMutablePointer<S>, biasGradient: UnsafeMutablePointer<S>, inputGradient dx: UnsafeMatrix<S>?,
    accumulateWeight: Bool = false, accumulateBias: Bool = false
  ) {
    let (oh, ow, k, s) = (g.outputHeight, g.outputWidth, g.kernel, g.stride)
    if !accumulateWeight { weightGradient.update(repeating: 0, count: g.channels * k * k) }
    if !accumulateBias { biasGradient.update(repeating: 0, count: g.channels) }
    if let dx { dx.buffer.update(repeating: 0) }
    for r in 0..<x.rows {
      for c in 0..<g.channels {
        let (plane, grad) = (x.row(r) + c * g.height * g.width, dy.row(r) + c * oh * ow)
        for i in 0..<(oh * ow) { biasGradient[c] += grad[i] }
        for u in 0..<k {
          let rows = g.validOutputs(offset: u, size: g.height, outputs: oh)
          for v in 0..<k {
            let tapIndex = (c * k + u) * k + v
            let columns = g.validOutputs(offset: v, size: g.width, outputs: ow)
            var sum: S = 0
            for p in rows {
              let offset = (s * p + u - g.padding) * g.width + (v - g.padding)
              for q in columns { sum += grad[p * ow + q] * plane[offset + s * q] }
              if let dx {
                let target = dx.row(r) + c * g.height * g.width + offset
                for q in columns { target[s * q] += weight[tapIndex] * grad[p * ow + q] }
              }
            }
            weightGradient[tapIndex] += sum
          }
        }
      }
    }
  }

  // MARK: - Rules on explicit operands

  /// Operands: `x` (`[C, H, W]` or `[B, C, H, W]`), `w` (`[C, K, K]`), `b` (`[C]`), optionally `P`
  /// (a scalar: padding + 1; 1 when absent); `backward` also `dy` shaped like the output.
  public class func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try run(operands, backward: false)[certifiedBlock]!
  }

  public class func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try run(operands, backward: true)
  }

  private class func run<S: TrainScalar>(_ operands: [String: Tensor<S>], backward: Bool) throws -> [String: Tensor<S>] {
    let reader = OperandReader(block: certifiedBlock, operands)
    var (x, w) = (try reader.tensor("x"), try reader.tensor("w"))
    guard w.shape.count == 3, w.shape[1] == w.shape[2], x.shape.count == 3 || x.shape.count == 4, x.shape[x.shape.count - 3] == w.shape[0] else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'x' \(x.shape) and 'w' \(w.shape) are not [C, H, W] (or [B, C, H, W]) and [C, K, K]")
    }
    var b = try reader.parameter("b", shape: [w.shape[0]])
    var padding = 0
    if let p = operands["P"] {
      guard p.shape.isEmpty, let value = Int(exactly: p.scalars[0]), value >= 1 else {
        throw TrainingError.badOperands(block: certifiedBlock, reason: "'P' must be a scalar integer >= 1 (the padding + 1)")
      }
      padding = value - 1
    }
    let image = Array(x.shape.suffix(3))
    guard w.shape[1] <= image[1] + 2 * padding, w.shape[1] <= image[2] + 2 * padding, padding < w.shape[1] else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "kernel \(w.shape[1]) with padding \(padding) does not fit an image of \(image)")
    }
    let g = WindowGeometry(input: image, kernel: w.shape[1], stride: stride, padding: padding)
    let batch = x.shape.count == 4 ? x.shape[0] : 1
    var y = Tensor<S>(zeros: Array(x.shape.dropLast(2) + [g.outputHeight, g.outputWidth]))
    x.withUnsafeMutableBufferPointer { xs in
      w.withUnsafeMutableBufferPointer { ws in
        b.withUnsafeMutableBufferPointer { bs in
          y.withUnsafeMutableBufferPointer { ys in
            forward(x: UnsafeMatrix(xs.baseAddress!, rows: batch, columns: g.inputCount), weight: ws.baseAddress!, bias: bs.baseAddress!,
                    geometry: g, into: UnsafeMatrix(ys.baseAddress!, rows: batch, columns: ys.count / batch))
          }
        }
      }
    }
    guard backward else { return [certifiedBlock: y] }
    var dy = try reader.tensor("dy")
    guard dy.shape == y.shape else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'dy' has shape \(dy.shape); expected \(y.shape) like the output")
    }
    var (dx, dw, db) = (Tensor<S>(zeros: x.shape), Tensor<S>(zeros: w.shape), Tensor<S>(zeros: [w.shape[0]]))
    x.withUnsafeMutableBufferPointer { xs in
      w.withUnsafeMutableBufferPointer { ws in
        dy.withUnsafeMutableBufferPointer { dys in
          dx.withUnsafeMutableBufferPointer { dxs in
            dw.withUnsafeMutableBufferPointer { dws in
              db.withUnsafeMutableBufferPointer { dbs in
                self.backward(
                  x: UnsafeMatrix(xs.baseAddress!, rows: batch, columns: g.inputCount), weight: ws.baseAddress!, geometry: g,
                  outputGradient: UnsafeMatrix(dys.baseAddress!, rows: batch, columns: dys.count / batch), weightGradient: dws.baseAddress!,
                  biasGradient: dbs.baseAddress!, inputGradient: UnsafeMatrix(dxs.baseAddress!, rows: batch, columns: g.inputCount))
              }
            }
          }
        }
      }
    }
    return [ruleNames[0]: dx, ruleNames[1]: dw, ruleNames[2]: db]
  }
}

/// The stride-2 depthwise convolution, certified block `depthwise_conv2d_s2`.
public final class DepthwiseConv2DStride2: DepthwiseConv2D {
  override public class var certifiedBlock: String { "depthwise_conv2d_s2" }
  override public class var stride: Int { 2 }
}
