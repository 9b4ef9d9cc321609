/// Max pooling over K x K windows with stride S, for (K, S) in (2, 2), (2, 1), (3, 1), (3, 2):
/// certified rule `maxpool{K}_s{S}.x` of `Theorems/maxpool.thm` (theorems, not layer blocks:
/// `certify derive` cannot invert their reads at `S p + u`, so the rules are stated and proved).
/// `maxpool2_s2` folds the window as nested binary maxima,
///
///     y[c, p, q] = max(max(x[c, 2p, 2q], x[c, 2p, 2q + 1]), max(x[c, 2p + 1, 2q], x[c, 2p + 1, 2q + 1]))
///
/// the others (`scripts/maxpool-theorem K S`) as a running maximum in row-major order,
/// `m_0 = x_0`, `m_j = max(m_{j-1}, x_j)`; with `max(a, b) = b + relu(a - b)`. Each rule sends
/// `dy[c, p, q]` to the entry that is the maximum (summed over the windows an entry belongs to, at
/// stride 1). It holds where no comparison of the fold ties (the theorem's `assume` lines).
///
/// Ties: where the maximum is attained once, the maximum is differentiable and the rule's
/// formula (with `step(0) = 0`) gives its derivative even if two other entries are equal, so the
/// trainer counts only the windows whose maximum is attained at two entries or more: `ties`,
/// reported as the layer's kinks. There it sends the gradient to the first maximum of the window
/// in row-major order (a subgradient).
///
/// A pool reading a relu's output runs fused with it (`rectifier`, set by `fuse(_:)`): it computes
/// `max(relu(x))` and `step(x) dy` in one pass over `x`, exactly what the two layers give one
/// after the other, and counts the relu's kinks for it (overlapping windows too: `relu` is
/// monotone, so `max(relu(x)) = relu(max(x))`, and the entry chosen is positive). A window of relu
/// zeros (`max(x) <= 0`) passes no gradient whichever entry is chosen, so it is not counted as a tie.
public class MaxPool: LayerKernels {
  public class var certifiedBlock: String { "maxpool2_s2" }
  public class var ruleNames: [String] { ["\(certifiedBlock).x"] }
  public static let operandNames = ["x"]
  /// The window size and stride of the rule.
  public class var kernel: Int { 2 }
  public class var stride: Int { 2 }

  /// The (window, stride) pairs with a certified rule, and the class running each.
  public static let kinds: [MaxPool.Type] = [MaxPool.self, MaxPool2Stride1.self, MaxPool3Stride1.self, MaxPool3Stride2.self]

  /// The class for `kernel` x `kernel` windows at `stride`, nil if no rule covers them.
  public static func kind(kernel: Int, stride: Int) -> MaxPool.Type? {
    kinds.first { $0.kernel == kernel && $0.stride == stride }
  }

  public let name: String
  public let geometry: WindowGeometry
  public var parameters: [Parameter] { [] }
  public var inputWidth: Int { geometry.inputCount }
  public var outputWidth: Int { geometry.channels * geometry.outputPlane }
  public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
  public var outputShape: [Int] { [geometry.channels, geometry.outputHeight, geometry.outputWidth] }

  /// Training windows whose maximum was attained twice since the last `resetKinks()`.
  public private(set) var ties = 0
  /// The relu whose output this pool reads and whose work it does, when fused.
  public private(set) weak var rectifier: ReLU?

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  /// Per output, the offset in its example's input of the entry the gradient goes to; -1 for
  /// none (a fused window of relu zeros).
  private var source: [Int32] = []

  public required init(name: String, input: [Int]) {
    self.name = name
    geometry = WindowGeometry(input: input, kernel: Self.kernel, stride: Self.stride, padding: 0)
    output = Workspace(columns: geometry.channels * geometry.outputPlane)
    inputGradient = Workspace(columns: geometry.inputCount)
  }

  public func resetKinks() { ties = 0 }

  /// Runs `relu` (the layer before this one) inside this pool's kernels: the relu's own
  /// `forward` and `backward` then pass values through.
  func fuse(_ relu: ReLU) {
    precondition(relu.outputShape == inputShape, "\(name): fused with \(relu.name) of another shape")
    rectifier = relu
    relu.isFused = true
  }

  /// Fuses each relu that a max pool directly follows into that pool (`fuse(_:)`).
  static func fuseRectifiers(_ layers: [any LayerKernels]) {
    for (first, second) in zip(layers, layers.dropFirst()) {
      if let relu = first as? ReLU, let pool = second as? MaxPool { pool.fuse(relu) }
    }
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
    let needed = batchCapacity * outputWidth
    if source.count < needed { source = [Int32](repeating: 0, count: needed) }
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    precondition(source.count >= y.count, "\(name): forward before reserve")
    let rectify = rectifier != nil
    let (found, zeros) = source.withUnsafeMutableBufferPointer {
      MaxPool.forward(x: input, geometry: geometry, rectify: rectify, into: y, source: $0.baseAddress!)
    }
    if training {
      ties += found
      rectifier?.addKinks(zeros)
    }
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    let dx = inputGradient.matrix(rows: outputGradient.rows)
    source.withUnsafeBufferPointer { MaxPool.backward(outputGradient: outputGradient, source: $0.baseAddress!, into: dx) }
    return dx
  }

  // MARK: - Kernels

  /// Each window's maximum and the offset of the first entry attaining it; returns the windows
  /// whose maximum is attained twice and, with `rectify`, the inputs that are exactly 0.
  ///
  /// With `rectify` the output is `max(relu(x))`, and the source is -1 where that maximum is 0
  /// (the relu's `step` is 0 at every entry), which is not a tie.
  static func forward<S: TrainScalar>(
    x: UnsafeMatrix<S>, geometry g: WindowGeometry, rectify: Bool = false, into y: UnsafeMatrix<S>,
    source: UnsafeMutablePointer<Int32>
  ) -> (ties: Int, zeros: Int) {
    let parts = BatchParallel.partCount(batch: x.rows, work: x.count)
    return withUnsafeTemporaryAllocation(of: (ties: Int, zeros: Int).self, capacity: parts) { counts in
      counts.initialize(repeating: (0, 0))
      BatchParallel.forEachPart(batch: x.rows, parts: parts) { part, examples in
        var (ties, zeros) = (0, 0)
        for r in examples {
          ties += forward(image: x.row(r), g, rectify: rectify, into: y.row(r), source: source + r * y.columns)
          if rectify { zeros += ReLU.zeros(x.row(r), count: x.columns) }
        }
        counts[part] = (ties, zeros)
      }
      return counts.reduce((0, 0)) { ($0.ties + $1.ties, $0.zeros + $1.zeros) }
    }
  }

  /// One image's windows (`forward`); returns its ties.
  @inline(__always)
  static func forward<S: TrainScalar>(
    image xs: UnsafePointer<S>, _ g: WindowGeometry, rectify: Bool, into ys: UnsafeMutablePointer<S>,
    source: UnsafeMutablePointer<Int32>
  ) -> Int {
    let (oh, ow, w, k, s) = (g.outputHeight, g.outputWidth, g.width, g.kernel, g.stride)
    var ties = 0
    for c in 0..<g.channels {
      for p in 0..<oh {
        for q in 0..<ow {
          let top = (c * g.height + s * p) * w + s * q
          var (best, at, count) = (xs[top], top, 1)
          if k == 2 {
            // The common window, unrolled: the first maximum of a, b, d, e in row-major order.
            let (a, b, d, e) = (xs[top], xs[top + 1], xs[top + w], xs[top + w + 1])
            let (upper, upperAt) = b > a ? (b, top + 1) : (a, top)
            let (lower, lowerAt) = e > d ? (e, top + w + 1) : (d, top + w)
            (best, at) = lower > upper ? (lower, lowerAt) : (upper, upperAt)
            count = (a == best ? 1 : 0) + (b == best ? 1 : 0) + (d == best ? 1 : 0) + (e == best ? 1 : 0)
          } else {
            for u in 0..<k {
              let row = top + u * w
              for v in 0..<k where u + v > 0 {
                let value = xs[row + v]
                if value > best {
                  (best, at, count) = (value, row + v, 1)
                } else if value == best {
                  count += 1
                }
              }
            }
          }
          let out = (c * oh + p) * ow + q
          if rectify && best <= 0 {
            (ys[out], source[out]) = (0, -1)
          } else {
            (ys[out], source[out]) = (best, Int32(at))
            if count > 1 { ties += 1 }
          }
        }
      }
    }
    return ties
  }

  /// `dx[source] += dy` from 0 (an entry in several windows, at stride 1, sums their gradients; a
  /// source of -1 takes nothing).
  static func backward<S: TrainScalar>(outputGradient dy: UnsafeMatrix<S>, source: UnsafePointer<Int32>, into dx: UnsafeMatrix<S>) {
    BatchParallel.forEachPart(batch: dy.rows, work: dx.count) { examples in
      for r in examples {
        let (dys, dxs, sources) = (dy.row(r), dx.row(r), source + r * dy.columns)
        dxs.update(repeating: 0, count: dx.columns)
        for k in 0..<dy.columns where sources[k] >= 0 { dxs[Int(sources[k])] += dys[k] }
      }
    }
  }

  // MARK: - Rules on explicit operands

  /// Operands: `x` (`[C, H, W]` or `[B, C, H, W]`); `backward` also `dy` (`[C, OH, OW]`, or with `B`).
  public class func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try run(operands, backward: false)[certifiedBlock]!
  }

  public class func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try run(operands, backward: true)
  }

  private class func run<S: TrainScalar>(_ operands: [String: Tensor<S>], backward: Bool) throws -> [String: Tensor<S>] {
    let reader = OperandReader(block: certifiedBlock, operands)
    var x = try reader.tensor("x")
    guard x.shape.count == 3 || x.shape.count == 4, x.shape.suffix(2).allSatisfy({ $0 >= kernel }) else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'x' has shape \(x.shape); expected [C, H, W] or [B, C, H, W] with H, W >= \(kernel)")
    }
    let batch = x.shape.count == 4 ? x.shape[0] : 1
    let g = WindowGeometry(input: Array(x.shape.suffix(3)), kernel: kernel, stride: stride, padding: 0)
    let outputShape = x.shape.dropLast(2) + [g.outputHeight, g.outputWidth]
    var y = Tensor<S>(zeros: Array(outputShape))
    var sources = [Int32](repeating: 0, count: y.count)
    x.withUnsafeMutableBufferPointer { xs in
      y.withUnsafeMutableBufferPointer { ys in
        sources.withUnsafeMutableBufferPointer { sources in
          _ = forward(
            x: UnsafeMatrix(xs.baseAddress!, rows: batch, columns: g.inputCount), geometry: g,
            into: UnsafeMatrix(ys.baseAddress!, rows: batch, columns: ys.count / batch), source: sources.baseAddress!)
        }
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
        self.backward(
          outputGradient: UnsafeMatrix(dys.baseAddress!, rows: batch, columns: dys.count / batch), source: sources,
          into: UnsafeMatrix(dxs.baseAddress!, rows: batch, columns: g.inputCount))
      }
    }
    return [ruleNames[0]: dx]
  }
}

/// Max pooling over 2 x 2 windows with stride 1 (`maxpool 2 stride 1`), rule `maxpool2_s1.x`.
public final class MaxPool2Stride1: MaxPool {
  override public class var certifiedBlock: String { "maxpool2_s1" }
  override public class var kernel: Int { 2 }
  override public class var stride: Int { 1 }
}

/// Max pooling over 3 x 3 windows with stride 1 (`maxpool 3 stride 1`), rule `maxpool3_s1.x`.
public final class MaxPool3Stride1: MaxPool {
  override public class var certifiedBlock: String { "maxpool3_s1" }
  override public class var kernel: Int { 3 }
  override public class var stride: Int { 1 }
}

/// Max pooling over 3 x 3 windows with stride 2 (`maxpool 3 stride 2`), rule `maxpool3_s2.x`.
public final class MaxPool3Stride2: MaxPool {
  override public class var certifiedBlock: String { "maxpool3_s2" }
  override public class var kernel: Int { 3 }
  override public class var stride: Int { 2 }
}
