/// Average pooling over `K x K` windows (no padding), certified block `avgpool_s1` (stride 1) or
/// `avgpool_s2` (stride 2, `AvgPoolStride2`) of `Theorems/cnn.thm`:
///
///     y[c, p, q] = (1 / K²) sum(u, v) x[c, s p + u, s q + v]
///     vjp x[c, h, w] = (1 / K²) sum of dy[c, p, q] over the windows that contain (h, w)
public class AvgPool: LayerKernels {
  public class var certifiedBlock: String { "avgpool_s1" }
  public class var ruleNames: [String] { ["\(certifiedBlock).x"] }
  public class var operandNames: [String] { ["x"] }
  public class var stride: Int { 1 }

  public let name: String
  public let geometry: WindowGeometry
  public var parameters: [Parameter] { [] }
  public var inputWidth: Int { geometry.inputCount }
  public var outputWidth: Int { geometry.channels * geometry.outputPlane }
  public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
  public var outputShape: [Int] { [geometry.channels, geometry.outputHeight, geometry.outputWidth] }

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>

  public required init(name: String, input: [Int], kernel: Int) {
    self.name = name
    geometry = WindowGeometry(input: input, kernel: kernel, stride: Self.stride, padding: 0)
    output = Workspace(columns: geometry.channels * geometry.outputPlane)
    inputGradient = Workspace(columns: geometry.inputCount)
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    AvgPool.forward(x: input, geometry: geometry, into: y)
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    let dx = inputGradient.matrix(rows: outputGradient.rows)
    AvgPool.backward(outputGradient: outputGradient, geometry: geometry, into: dx)
    return dx
  }

  // MARK: - Kernels

  static func forward<S: TrainScalar>(x: UnsafeMatrix<S>, geometry g: WindowGeometry, into y: UnsafeMatrix<S>) {
    let (oh, ow, k, s) = (g.outputHeight, g.outputWidth, g.kernel, g.stride)
    let scale = 1 / S(k * k)
    for r in 0..<x.rows {
      let (xs, ys) = (x.row(r), y.row(r))
      for c in 0..<g.channels {
        for p in 0..<oh {
          for q in 0..<ow {
            var sum: S = 0
            for u in 0..<k {
              let row = xs + (c * g.height + s * p + u) * g.width + s * q
              for v in 0..<k { sum += row[v] }
            }
            ys[(c * oh + p) * ow + q] = sum * scale
          }
        }
      }
    }
  }

  static func backward<S: TrainScalar>(outputGradient dy: UnsafeMatrix<S>, geometry g: WindowGeometry, into dx: UnsafeMatrix<S>) {
    let (oh, ow, k, s) = (g.outputHeight, g.outputWidth, g.kernel, g.stride)
    let scale = 1 / S(k * k)
    dx.buffer.update(repeating: 0)
    for r in 0..<dy.rows {
      let (dys, dxs) = (dy.row(r), dx.row(r))
      for c in 0..<g.channels {
        for p in 0..<oh {
          for q in 0..<ow {
            let share = dys[(c * oh + p) * ow + q] * scale
            for u in 0..<k {
              let row = dxs + (c * g.height + s * p + u) * g.width + s * q
              for v in 0..<k { row[v] += share }
            }
          }
        }
      }
    }
  }

  // MARK: - Rules on explicit operands

  /// Operands: `x` (`[C, H, W]` or `[B, C, H, W]`) and the window `K` (a scalar); `backward` also
  /// `dy` shaped like the output.
  public class func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try run(operands, backward: false)[certifiedBlock]!
  }

  public class func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try run(operands, backward: true)
  }

  private class func run<S: TrainScalar>(_ operands: [String: Tensor<S>], backward: Bool) throws -> [String: Tensor<S>] {
    let reader = OperandReader(block: certifiedBlock, operands)
    var x = try reader.tensor("x")
    let kernelOperand = try reader.tensor("K")
    guard kernelOperand.shape.isEmpty, let kernel = Int(exactly: kernelOperand.scalars[0]), kernel >= 1 else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'K' must be a scalar integer >= 1 (the window size)")
    }
    guard x.shape.count == 3 || x.shape.count == 4, x.shape.suffix(2).allSatisfy({ $0 >= kernel }) else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'x' has shape \(x.shape); expected [C, H, W] or [B, C, H, W] with H, W >= \(kernel)")
    }
    let batch = x.shape.count == 4 ? x.shape[0] : 1
    let g = WindowGeometry(input: Array(x.shape.suffix(3)), kernel: kernel, stride: stride, padding: 0)
    var y = Tensor<S>(zeros: Array(x.shape.dropLast(2) + [g.outputHeight, g.outputWidth]))
    x.withUnsafeMutableBufferPointer { xs in
      y.withUnsafeMutableBufferPointer { ys in
        forward(x: UnsafeMatrix(xs.baseAddress!, rows: batch, columns: g.inputCount), geometry: g,
                into: UnsafeMatrix(ys.baseAddress!, rows: batch, columns: ys.count / batch))
      }
    }
    guard backward else { return [certifiedBlock: y] }
    var dy = try reader.tensor("dy")
    guard dy.shape == y.shape else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'dy' has shape \(dy.shape); expected \(y.shape) like the output")
    }
    var dx = Tensor<S>(zeros: x.shape)
    dy.withUnsafeMutableBufferPointer { dys in
      dx.withUnsafeMutableBufferPointer { dxs in
        self.backward(outputGradient: UnsafeMatrix(dys.baseAddress!, rows: batch, columns: dys.count / batch), geometry: g,
                      into: UnsafeMatrix(dxs.baseAddress!, rows: batch, columns: g.inputCount))
      }
    }
    return [ruleNames[0]: dx]
  }
}

/// Average pooling with stride 2, certified block `avgpool_s2`.
public final class AvgPoolStride2: AvgPool {
  override public class var certifiedBlock: String { "avgpool_s2" }
  override public class var stride: Int { 2 }
}
