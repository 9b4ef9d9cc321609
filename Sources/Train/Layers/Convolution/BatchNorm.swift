/// Batch normalization per channel, certified blocks `batchnorm` (training) and `batchnorm_eval`
/// (evaluation) of `Theorems/cnn.thm`.
///
/// In training, over a batch `x [B, C, H, W]`, with `M = B H W` and per channel `c`
/// `mu = (1/M) sum x`, `var = (1/M) sum (x - mu)²`, `r = (var + eps)^(-1/2)`, `xhat = (x - mu) r`:
///
///     y = g[c] xhat + b[c]
///     batchnorm.x   dx = g r (dy - (1/M) sum dy - xhat (1/M) sum dy xhat)
///     batchnorm.g   dg = sum dy xhat
///     batchnorm.b   db = sum dy
///
/// (the block writes `g r³ (x - mu) (1/M) sum dy (x - mu)` for the last term: the same value). The
/// statistics are the batch's: the input rule carries the terms through `mu` and `var`. At
/// evaluation the layer is the affine map of `batchnorm_eval`, `y = g (x - m) (v + eps)^(-1/2) + b`,
/// with the running mean `m` and variance `v` that training keeps (`m ← (1 - 0.1) m + 0.1 mu`,
/// `v` likewise with the unbiased batch variance, as PyTorch does); they are stored in checkpoints
/// (`statistics`) but are not trained. `eps = 1e-5`, so `v + eps > 0` (the block's assumption) holds.
public final class BatchNorm: LayerKernels {
  public static let certifiedBlock = "batchnorm"
  /// The training rules; a model binds the evaluation form's too (`BatchNormEvaluation.ruleNames`).
  public static let ruleNames = ["batchnorm.x", "batchnorm.g", "batchnorm.b"]
  public static let operandNames = ["x", "g", "b", "eps"]
  public static let epsilon: Float = 1e-5
  public static let momentum: Float = 0.1

  public let name: String
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var inputWidth: Int { inputShape.reduce(1, *) }
  public var outputWidth: Int { inputWidth }
  /// `g` and `b`, shape `[C]`.
  public let scale: Parameter
  public let shift: Parameter
  public var parameters: [Parameter] { [scale, shift] }
  /// The running mean `m` and variance `v`, shape `[C]`.
  public let runningMean: Parameter
  public let runningVariance: Parameter
  public var statistics: [Parameter] { [runningMean, runningVariance] }

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  /// Per channel: the batch's mean and `r`, kept from forward for backward.
  private var mean: [Float]
  private var inverseDeviation: [Float]

  public init(name: String, input: [Int]) {
    precondition(input.count == 3, "batchnorm reads a CxHxW image, not \(input)")
    self.name = name
    inputShape = input
    let channels = input[0]
    scale = Parameter(name: name + ".g", rule: "batchnorm.g", shape: [channels])
    shift = Parameter(name: name + ".b", rule: "batchnorm.b", shape: [channels])
    runningMean = Parameter(name: name + ".m", rule: "batchnorm_eval.m", shape: [channels])
    runningVariance = Parameter(name: name + ".v", rule: "batchnorm_eval.v", shape: [channels])
    scale.value = Tensor(shape: [channels], repeating: 1)
    runningVariance.value = Tensor(shape: [channels], repeating: 1)
    output = Workspace(columns: input.reduce(1, *))
    inputGradient = Workspace(columns: input.reduce(1, *))
    mean = Array(repeating: 0, count: channels)
    inverseDeviation = Array(repeating: 1, count: channels)
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    scale.value.withUnsafeBufferPointer { g in
      shift.value.withUnsafeBufferPointer { b in
        runningMean.value.withUnsafeMutableBufferPointer { m in
          runningVariance.value.withUnsafeMutableBufferPointer { v in
            if training {
              BatchNorm.batchStatistics(x: input, channels: inputShape[0], epsilon: Self.epsilon, mean: &mean, inverseDeviation: &inverseDeviation)
              BatchNorm.updateRunning(mean: mean, inverseDeviation: inverseDeviation, count: input.rows * (inputWidth / inputShape[0]),
                                      epsilon: Self.epsilon, momentum: Self.momentum, runningMean: m, runningVariance: v)
              BatchNorm.normalize(x: input, mean: mean, inverseDeviation: inverseDeviation, g: g, b: b, into: y)
            } else {
              let r = (0..<inputShape[0]).map { 1 / (v[$0] + Self.epsilon).squareRoot() }
              BatchNorm.normalize(x: input, mean: Array(m), inverseDeviation: r, g: g, b: b, into: y)
            }
          }
        }
      }
    }
    lastInput = input
    return y
  }

  private var lastInput: UnsafeMatrix<Float>?

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    let x = kept(lastInput, for: outputGradient)
    let dx = needsInputGradient ? inputGradient.matrix(rows: x.rows) : nil
    WeightAndBias(scale, shift).withGradients { g, d in
      BatchNorm.backward(
        x: x, outputGradient: outputGradient, mean: mean, inverseDeviation: inverseDeviation, g: g,
        scaleGradient: d.weight, shiftGradient: d.bias, inputGradient: dx,
        accumulateScale: d.accumulateWeight, accumulateShift: d.accumulateBias)
    }
    return dx
  }

  // MARK: - Kernels

  /// Per channel, the batch mean and `(var + eps)^(-1/2)` with the biased variance (two passes).
  static func batchStatistics<S: TrainScalar>(x: UnsafeMatrix<S>, channels: Int, epsilon: S, mean: inout [S], inverseDeviation: inout [S]) {
    let plane = x.columns / channels
    let count = S(x.rows * plane)
    for c in 0..<channels {
      var sum: S = 0
      for r in 0..<x.rows {
        let values = x.row(r) + c * plane
        for k in 0..<plane { sum += values[k] }
      }
      let mu = sum / count
      var squares: S = 0
      for r in 0..<x.rows {
        let values = x.row(r) + c * plane
        for k in 0..<plane { let d = values[k] - mu; squares += d * d }
      }
      mean[c] = mu
      inverseDeviation[c] = 1 / (squares / count + epsilon).squareRoot()
    }
  }

  /// The running statistics' update from the batch's (the variance unbiased, `count / (count - 1)`).
  static func updateRunning(
    mean: [Float], inverseDeviation: [Float], count: Int, epsilon: Float, momentum: Float,
    runningMean: UnsafeMutableBufferPointer<Float>, runningVariance: UnsafeMutableBufferPointer<Float>
  ) {
    let correction = count > 1 ? Float(count) / Float(count - 1) : 1
    for c in mean.indices {
      let variance = 1 / (inverseDeviation[c] * inverseDeviation[c]) - epsilon
      runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c]
      runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * max(variance, 0) * correction
    }
  }

  /// `y = g (x - mean) r + b` per channel.
  static func normalize<S: TrainScalar>(
    x: UnsafeMatrix<S>, mean: [S], inverseDeviation: [S], g: UnsafeBufferPointer<S>, b: UnsafeBufferPointer<S>, into y: UnsafeMatrix<S>
  ) {
    let plane = x.columns / mean.count
    for r in 0..<x.rows {
      for c in mean.indices {
        let (src, dst) = (x.row(r) + c * plane, y.row(r) + c * plane)
        let (factor, mu, offset) = (g[c] * inverseDeviation[c], mean[c], b[c])
        for k in 0..<plane { dst[k] = (src[k] - mu) * factor + offset }
      }
    }
  }

  /// The training rules: `dg`, `db`, and `dx` when `inputGradient` is given.
  static func backward<S: TrainScalar>(
    x: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, mean: [S], inverseDeviation: [S], g: UnsafePointer<S>,
    scaleGradient: UnsafeMutablePointer<S>, shiftGradient: UnsafeMutablePointer<S>, inputGradient dx: UnsafeMatrix<S>?,
    accumulateScale: Bool = false, accumulateShift: Bool = false
  ) {
    let channels = mean.count
    let plane = x.columns / channels
    let count = S(x.rows * plane)
    for c in 0..<channels {
      let (mu, r) = (mean[c], inverseDeviation[c])
      var (sumDy, sumDyXhat): (S, S) = (0, 0)
      for row in 0..<x.rows {
        let (xs, dys) = (x.row(row) + c * plane, dy.row(row) + c * plane)
        for k in 0..<plane {
          sumDy += dys[k]
          sumDyXhat += dys[k] * (xs[k] - mu) * r
        }
      }
      scaleGradient[c] = (accumulateScale ? scaleGradient[c] : 0) + sumDyXhat
      shiftGradient[c] = (accumulateShift ? shiftGradient[c] : 0) + sumDy
      guard let dx else { continue }
      let (meanDy, meanDyXhat, factor) = (sumDy / count, sumDyXhat / count, g[c] * r)
      for row in 0..<x.rows {
        let (xs, dys, dxs) = (x.row(row) + c * plane, dy.row(row) + c * plane, dx.row(row) + c * plane)
        for k in 0..<plane { dxs[k] = factor * (dys[k] - meanDy - (xs[k] - mu) * r * meanDyXhat) }
      }
    }
  }
}

// MARK: - Rules on explicit operands

extension BatchNorm {
  /// Operands: `x` (the whole batch, `[N, C, H, W]`), `g`, `b` (`[C]`), `eps` (a positive scalar);
  /// `backward` also `dy` shaped like `x`.
  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try run(operands, backward: false)[certifiedBlock]!
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try run(operands, backward: true)
  }

  private static func run<S: TrainScalar>(_ operands: [String: Tensor<S>], backward: Bool) throws -> [String: Tensor<S>] {
    let reader = OperandReader(block: certifiedBlock, operands)
    var x = try reader.tensor("x")
    guard x.shape.count == 4 else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'x' has shape \(x.shape); expected the batch [N, C, H, W]")
    }
    let channels = x.shape[1]
    var (g, b) = (try reader.parameter("g", shape: [channels]), try reader.parameter("b", shape: [channels]))
    let eps = try BatchNormEvaluation.epsilon(reader)
    var (mean, r) = ([S](repeating: 0, count: channels), [S](repeating: 0, count: channels))
    var y = Tensor<S>(zeros: x.shape)
    let (rows, columns) = (x.shape[0], x.count / x.shape[0])
    x.withUnsafeMutableBufferPointer { xs in
      let input = UnsafeMatrix(xs.baseAddress!, rows: rows, columns: columns)
      batchStatistics(x: input, channels: channels, epsilon: eps, mean: &mean, inverseDeviation: &r)
      g.withUnsafeMutableBufferPointer { g in
        b.withUnsafeMutableBufferPointer { b in
          y.withUnsafeMutableBufferPointer { ys in
            normalize(x: input, mean: mean, inverseDeviation: r, g: UnsafeBufferPointer(g), b: UnsafeBufferPointer(b),
                      into: UnsafeMatrix(ys.baseAddress!, rows: rows, columns: columns))
          }
        }
      }
    }
    guard backward else { return [certifiedBlock: y] }
    var dy = try reader.tensor("dy")
    guard dy.shape == x.shape else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'dy' has shape \(dy.shape); expected \(x.shape) like the input")
    }
    var (dx, dg, db) = (Tensor<S>(zeros: x.shape), Tensor<S>(zeros: [channels]), Tensor<S>(zeros: [channels]))
    x.withUnsafeMutableBufferPointer { xs in
      dy.withUnsafeMutableBufferPointer { dys in
        dx.withUnsafeMutableBufferPointer { dxs in
          g.withUnsafeMutableBufferPointer { g in
            dg.withUnsafeMutableBufferPointer { dg in
              db.withUnsafeMutableBufferPointer { db in
                self.backward(
                  x: UnsafeMatrix(xs.baseAddress!, rows: rows, columns: columns),
                  outputGradient: UnsafeMatrix(dys.baseAddress!, rows: rows, columns: columns), mean: mean, inverseDeviation: r,
                  g: g.baseAddress!, scaleGradient: dg.baseAddress!, shiftGradient: db.baseAddress!,
                  inputGradient: UnsafeMatrix(dxs.baseAddress!, rows: rows, columns: columns))
              }
            }
          }
        }
      }
    }
    return [ruleNames[0]: dx, ruleNames[1]: dg, ruleNames[2]: db]
  }
}

/// Batch normalization at evaluation, certified block `batchnorm_eval`: the affine map
/// `y = g (x - m) (v + eps)^(-1/2) + b` per channel, with running statistics `m`, `v` as constants.
/// `BatchNorm` runs its forward at evaluation; its rules are what the audits bound.
public enum BatchNormEvaluation: CertifiedBlock {
  public static let certifiedBlock = "batchnorm_eval"
  public static let ruleNames = ["batchnorm_eval.x", "batchnorm_eval.g", "batchnorm_eval.b"]
  public static let operandNames = ["x", "m", "v", "g", "b", "eps"]

  /// Operands: `x` (`[C, H, W]` or `[B, C, H, W]`), `m`, `v`, `g`, `b` (`[C]`), `eps` (a positive
  /// scalar); `backward` also `dy` shaped like `x`. The parameter rules sum over the batch.
  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try run(operands, backward: false)[certifiedBlock]!
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try run(operands, backward: true)
  }

  static func epsilon<S: TrainScalar>(_ reader: OperandReader<S>) throws -> S {
    let eps = try reader.tensor("eps")
    guard eps.shape.isEmpty, eps.scalars[0] > 0 else {
      throw TrainingError.badOperands(block: reader.block, reason: "'eps' must be a positive scalar")
    }
    return eps.scalars[0]
  }

  private static func run<S: TrainScalar>(_ operands: [String: Tensor<S>], backward: Bool) throws -> [String: Tensor<S>] {
    let reader = OperandReader(block: certifiedBlock, operands)
    var x = try reader.tensor("x")
    guard x.shape.count == 3 || x.shape.count == 4 else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'x' has shape \(x.shape); expected [C, H, W] or [B, C, H, W]")
    }
    let channels = x.shape[x.shape.count - 3]
    let (m, v) = (try reader.parameter("m", shape: [channels]), try reader.parameter("v", shape: [channels]))
    var (g, b) = (try reader.parameter("g", shape: [channels]), try reader.parameter("b", shape: [channels]))
    let eps = try epsilon(reader)
    let r = v.scalars.map { 1 / ($0 + eps).squareRoot() }
    let rows = x.shape.count == 4 ? x.shape[0] : 1
    let columns = x.count / rows
    var y = Tensor<S>(zeros: x.shape)
    x.withUnsafeMutableBufferPointer { xs in
      g.withUnsafeMutableBufferPointer { g in
        b.withUnsafeMutableBufferPointer { b in
          y.withUnsafeMutableBufferPointer { ys in
            BatchNorm.normalize(x: UnsafeMatrix(xs.baseAddress!, rows: rows, columns: columns), mean: m.scalars, inverseDeviation: r,
                                g: UnsafeBufferPointer(g), b: UnsafeBufferPointer(b), into: UnsafeMatrix(ys.baseAddress!, rows: rows, columns: columns))
          }
        }
      }
    }
    guard backward else { return [certifiedBlock: y] }
    let dy = try reader.tensor("dy")
    guard dy.shape == x.shape else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'dy' has shape \(dy.shape); expected \(x.shape) like the input")
    }
    // dx = g r dy; dg = sum dy (x - m) r; db = sum dy, per channel over the batch and the image.
    let plane = columns / channels
    let (xs, dys, gs, ms) = (x.scalars, dy.scalars, g.scalars, m.scalars)
    var (dx, dg, db) = ([S](repeating: 0, count: x.count), [S](repeating: 0, count: channels), [S](repeating: 0, count: channels))
    for k in 0..<x.count {
      let c = (k % columns) / plane
      dx[k] = gs[c] * r[c] * dys[k]
      dg[c] += dys[k] * (xs[k] - ms[c]) * r[c]
      db[c] += dys[k]
    }
    return [ruleNames[0]: Tensor(shape: x.shape, scalars: dx), ruleNames[1]: Tensor(shape: [channels], scalars: dg),
            ruleNames[2]: Tensor(shape: [channels], scalars: db)]
  }
}
