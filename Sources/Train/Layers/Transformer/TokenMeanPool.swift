/// The mean of the tokens, certified block `token_meanpool` (`Theorems/transformer.thm`):
/// `[T, D]` to `[D]`, `y[d] = (1/T) sum_t x[t, d]`, `vjp x[t, d] = (1/T) dy[d]`.
public final class TokenMeanPool: LayerKernels {
  public static let certifiedBlock = "token_meanpool"
  public static let ruleNames = ["token_meanpool.x"]
  public static let operandNames = ["x"]

  public let name: String
  public let inputShape: [Int]
  public var outputShape: [Int] { [inputShape[1]] }
  public var inputWidth: Int { inputShape[0] * inputShape[1] }
  public var outputWidth: Int { inputShape[1] }
  public var parameters: [Parameter] { [] }

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var rows = -1

  public init(name: String, input: [Int]) {
    precondition(input.count == 2, "token_meanpool takes [T, D] tokens")
    self.name = name
    inputShape = input
    output = Workspace(columns: input[1])
    inputGradient = Workspace(columns: input[0] * input[1])
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    Self.forward(x: input, tokens: inputShape[0], into: y)
    rows = input.rows
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    checkForward(rows: rows, for: outputGradient)
    guard needsInputGradient else { return nil }
    let dx = inputGradient.matrix(rows: rows)
    Self.backward(outputGradient: outputGradient, tokens: inputShape[0], into: dx)
    return dx
  }

  // MARK: - Kernels

  /// Each row of `x` holds `tokens` tokens of `y.columns` features.
  static func forward<S: TrainScalar>(x: UnsafeMatrix<S>, tokens: Int, into y: UnsafeMatrix<S>) {
    let (d, inverse) = (y.columns, 1 / S(tokens))
    for r in 0..<x.rows {
      let (xs, ys) = (x.row(r), y.row(r))
      for k in 0..<d { ys[k] = 0 }
      for t in 0..<tokens {
        for k in 0..<d { ys[k] += xs[t * d + k] }
      }
      for k in 0..<d { ys[k] *= inverse }
    }
  }

  static func backward<S: TrainScalar>(outputGradient dy: UnsafeMatrix<S>, tokens: Int, into dx: UnsafeMatrix<S>) {
    let (d, inverse) = (dy.columns, 1 / S(tokens))
    for r in 0..<dy.rows {
      let (ds, out) = (dy.row(r), dx.row(r))
      for t in 0..<tokens {
        for k in 0..<d { out[t * d + k] = inverse * ds[k] }
      }
    }
  }

  // MARK: - Rules on explicit operands

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    var reader = TokenOperandReader(block: certifiedBlock, operands)
    let x = try reader.tokens("x")
    let tokens = reader.tokens!
    var rows = x.reshaped([x.shape[0] / tokens, tokens * x.shape[1]])
    var y = Tensor<S>(zeros: [rows.shape[0], x.shape[1]])
    rows.withMatrix { x in y.withMatrix { y in forward(x: x, tokens: tokens, into: y) } }
    return reader.singleExample ? y.reshaped([x.shape[1]]) : y
  }

  /// `dy` is `[D]` for one example (`x` given as `[T, D]`) or `[B, D]`.
  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var reader = TokenOperandReader(block: certifiedBlock, operands)
    let x = try reader.tokens("x")
    let (tokens, examples, d) = (reader.tokens!, reader.examples!, x.shape[1])
    var dy = try reader.tensor("dy")
    guard dy.shape == (reader.singleExample ? [d] : [examples, d]) else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'dy' has shape \(dy.shape); expected \(reader.singleExample ? [d] : [examples, d])")
    }
    dy = dy.reshaped([examples, d])
    var dx = Tensor<S>(zeros: [examples, tokens * d])
    dy.withMatrix { dy in dx.withMatrix { dx in backward(outputGradient: dy, tokens: tokens, into: dx) } }
    return [ruleNames[0]: reader.shaped(dx.reshaped([examples * tokens, d]))]
  }
}
