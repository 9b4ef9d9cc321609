/// A learned position embedding added to the tokens, certified block `position_embedding`
/// (`Theorems/transformer.thm`): `y[t, d] = x[t, d] + P[t, d]`, `vjp x = dy`, `vjp P = dy` (summed
/// over the batch). `P` starts normal with standard deviation 0.02, as in ViT implementations.
public final class PositionEmbedding: LayerKernels {
  public static let certifiedBlock = "position_embedding"
  public static let ruleNames = ["position_embedding.x", "position_embedding.P"]
  public static let operandNames = ["x", "P"]
  public static let initialDeviation = 0.02

  public let name: String
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var inputWidth: Int { inputShape.reduce(1, *) }
  public var outputWidth: Int { inputWidth }
  /// `P`, shaped like one example's tokens.
  public let embedding: Parameter
  public var parameters: [Parameter] { [embedding] }

  private var output: Workspace<Float>
  private var rows = -1

  public init(name: String, input: [Int]) {
    precondition(input.count == 2, "position_embedding takes [T, D] tokens")
    self.name = name
    inputShape = input
    embedding = Parameter(name: name + ".P", rule: "position_embedding.P", shape: input)
    output = Workspace(columns: input.reduce(1, *))
  }

  package func initialize(using random: inout RandomSource) {
    embedding.value.withUnsafeMutableBufferPointer { p in
      for k in p.indices { p[k] = Float(Self.initialDeviation * random.normal()) }
    }
  }

  package func reserve(batchCapacity: Int) { output.reserve(rows: batchCapacity) }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    embedding.value.withUnsafeBufferPointer { p in Self.forward(x: input, embedding: p.baseAddress!, into: y) }
    rows = input.rows
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    checkForward(rows: rows, for: outputGradient)
    embedding.gradient.withUnsafeMutableBufferPointer { dp in
      Self.backward(outputGradient: outputGradient, embeddingGradient: dp.baseAddress!, accumulate: embedding.accumulatesGradient)
    }
    // vjp x = dy: the upstream gradient itself.
    return needsInputGradient ? outputGradient : nil
  }

  // MARK: - Kernels

  static func forward<S: TrainScalar>(x: UnsafeMatrix<S>, embedding p: UnsafePointer<S>, into y: UnsafeMatrix<S>) {
    for r in 0..<x.rows {
      let (xs, ys) = (x.row(r), y.row(r))
      for k in 0..<x.columns { ys[k] = xs[k] + p[k] }
    }
  }

  /// `dP = sum over the batch of dy`.
  static func backward<S: TrainScalar>(outputGradient dy: UnsafeMatrix<S>, embeddingGradient dp: UnsafeMutablePointer<S>, accumulate: Bool = false) {
    if !accumulate { dp.update(repeating: 0, count: dy.columns) }
    for r in 0..<dy.rows {
      let ds = dy.row(r)
      for k in 0..<dy.columns { dp[k] += ds[k] }
    }
  }

  // MARK: - Rules on explicit operands

  /// `x` and `dy` as `[T, D]` or `[B, T, D]`, `P` as `[T, D]`.
  private static func read<S: TrainScalar>(_ reader: inout TokenOperandReader<S>, _ name: String) throws -> (Tensor<S>, [Int]) {
    let x = try reader.tokens(name)
    let tokens = reader.tokens ?? 1
    return (x.reshaped([x.shape[0] / tokens, tokens * x.shape[1]]), [tokens, x.shape[1]])
  }

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    var reader = TokenOperandReader(block: certifiedBlock, operands)
    var (x, shape) = try read(&reader, "x")
    var p = try reader.parameter("P", shape: shape)
    var y = Tensor<S>(zeros: x.shape)
    x.withMatrix { x in p.withMatrix { p in y.withMatrix { y in forward(x: x, embedding: p.base, into: y) } } }
    return reader.shaped(y.reshaped([y.count / shape[1], shape[1]]))
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var reader = TokenOperandReader(block: certifiedBlock, operands)
    let (x, shape) = try read(&reader, "x")
    _ = try reader.parameter("P", shape: shape)
    var (dy, _) = try read(&reader, "dy")
    guard dy.shape == x.shape else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'dy' has \(dy.count) values; expected \(x.count) like 'x'")
    }
    var dp = Tensor<S>(zeros: shape)
    dy.withMatrix { dy in dp.withMatrix { dp in backward(outputGradient: dy, embeddingGradient: dp.base) } }
    return [ruleNames[0]: reader.shaped(dy.reshaped([dy.count / shape[1], shape[1]])), ruleNames[1]: dp]
  }
}
