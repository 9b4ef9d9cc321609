/// Softmax over the last axis, certified block `softmax_last` (`Theorems/transformer.thm`):
/// `y[t, i] = exp(z[t, i]) / sum_k exp(z[t, k])`, `vjp z[t, i] = y[t, i] (dy[t, i] - sum_j y[t, j] dy[t, j])`.
///
/// Its input is `[T, n]` tokens or an `[n]` vector (one token). The kernel subtracts each row's
/// maximum before `exp` (the same real value: the factor `exp(-max)` cancels), so large inputs do
/// not overflow. The backward pass reads `y` from the forward output.
public final class Softmax: LayerKernels {
  public static let certifiedBlock = "softmax_last"
  public static let ruleNames = ["softmax_last.z"]
  public static let operandNames = ["z"]

  public let name: String
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var inputWidth: Int { inputShape.reduce(1, *) }
  public var outputWidth: Int { inputWidth }
  public var parameters: [Parameter] { [] }

  private let features: Int
  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var lastOutput: UnsafeMatrix<Float>?

  /// A softmax over the last axis of `input` (`[T, n]` or `[n]`).
  public init(name: String, input: [Int]) {
    precondition(input.count == 1 || input.count == 2, "softmax takes [n] or [T, n]")
    self.name = name
    inputShape = input
    features = input.last!
    output = Workspace(columns: input.reduce(1, *))
    inputGradient = Workspace(columns: input.reduce(1, *))
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  private func rows(_ m: UnsafeMatrix<Float>) -> UnsafeMatrix<Float> {
    UnsafeMatrix(m.base, rows: m.count / features, columns: features)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    Softmax.forward(z: rows(input), into: rows(y))
    lastOutput = y
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    let y = kept(lastOutput, for: outputGradient)
    let dz = inputGradient.matrix(rows: y.rows)
    Softmax.backward(output: rows(y), outputGradient: rows(outputGradient), into: rows(dz))
    return dz
  }

  // MARK: - Kernels

  /// Each row's softmax, through `exp(z - max)`.
  static func forward<S: TrainScalar>(z: UnsafeMatrix<S>, into y: UnsafeMatrix<S>) {
    let n = z.columns
    for r in 0..<z.rows {
      let (zs, ys) = (z.row(r), y.row(r))
      var top = zs[0]
      for i in 1..<n where zs[i] > top { top = zs[i] }
      var sum: S = 0
      for i in 0..<n {
        ys[i] = S.exponential(zs[i] - top)
        sum += ys[i]
      }
      let inverse = 1 / sum
      for i in 0..<n { ys[i] *= inverse }
    }
  }

  /// `dz = y (dy - <y, dy>)`, row by row (`dz` may be `dy`).
  static func backward<S: TrainScalar>(output y: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dz: UnsafeMatrix<S>) {
    let n = y.columns
    for r in 0..<y.rows {
      let (ys, ds, out) = (y.row(r), dy.row(r), dz.row(r))
      var dot: S = 0
      for i in 0..<n { dot += ys[i] * ds[i] }
      for i in 0..<n { out[i] = ys[i] * (ds[i] - dot) }
    }
  }

  // MARK: - Rules on explicit operands

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    var reader = TokenOperandReader(block: certifiedBlock, operands)
    var z = try reader.tokens("z")
    var y = Tensor<S>(zeros: z.shape)
    z.withMatrix { z in y.withMatrix { y in forward(z: z, into: y) } }
    return reader.shaped(y)
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var reader = TokenOperandReader(block: certifiedBlock, operands)
    var z = try reader.tokens("z")
    var dy = try reader.tokens("dy", features: z.shape[1])
    var (y, dz) = (Tensor<S>(zeros: z.shape), Tensor<S>(zeros: z.shape))
    z.withMatrix { z in
      y.withMatrix { y in
        forward(z: z, into: y)
        dy.withMatrix { dy in dz.withMatrix { dz in backward(output: y, outputGradient: dy, into: dz) } }
      }
    }
    return [ruleNames[0]: reader.shaped(dz)]
  }
}
