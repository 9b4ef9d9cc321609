/// A dense map applied to every token, certified block `dense_tokens` (`Theorems/transformer.thm`):
/// `y[t, o] = sum_i W[o, i] x[t, i] + b[o]` (PyTorch's `Linear` on a `[T, I]` input).
///
///     dense_tokens.x   dX = dY W              (vjp x[t, i] = sum_o W[o, i] dy[t, o])
///     dense_tokens.W   dW = dYᵀ X, over tokens (vjp W[o, i] = sum_t dy[t, o] x[t, i])
///     dense_tokens.b   column sums of dY       (vjp b[o] = sum_t dy[t, o])
///
/// A `[B, T I]` batch is the `[B T, I]` matrix of its tokens in the same storage, so the kernels
/// are `Dense`'s three `gemm` products on that view: the sums over the batch and over the tokens
/// are one sum over its rows.
public final class DenseTokens: LayerKernels {
  public static let certifiedBlock = "dense_tokens"
  public static let ruleNames = ["dense_tokens.x", "dense_tokens.W", "dense_tokens.b"]
  public static let operandNames = ["x", "W", "b"]

  public let name: String
  public let tokens: Int
  public let features: Int
  public let units: Int
  public var inputShape: [Int] { [tokens, features] }
  public var outputShape: [Int] { [tokens, units] }
  public var inputWidth: Int { tokens * features }
  public var outputWidth: Int { tokens * units }
  /// `W`, shape `[out, in]`.
  public let weight: Parameter
  /// `b`, shape `[out]`.
  public let bias: Parameter
  public var parameters: [Parameter] { [weight, bias] }

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var lastInput: UnsafeMatrix<Float>?

  /// A map of each of `input[0]` tokens' `input[1]` features to `units` outputs.
  public init(name: String, input: [Int], units: Int) {
    precondition(input.count == 2 && units > 0, "dense_tokens takes [T, I] tokens")
    self.name = name
    (tokens, features, self.units) = (input[0], input[1], units)
    weight = Parameter(name: name + ".W", rule: "dense_tokens.W", shape: [units, features])
    bias = Parameter(name: name + ".b", rule: "dense_tokens.b", shape: [units])
    output = Workspace(columns: tokens * units)
    inputGradient = Workspace(columns: tokens * features)
  }

  /// Draws the weights by `scheme` (fan-in `I`) and zeroes the bias.
  package func initialize(_ scheme: Initialization, using random: inout RandomSource) {
    scheme.fill(&weight.value, using: &random)
    bias.value = Tensor(zeros: [units])
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  private func tokenRows(_ m: UnsafeMatrix<Float>, _ width: Int) -> UnsafeMatrix<Float> {
    UnsafeMatrix(m.base, rows: m.rows * tokens, columns: width)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    precondition(input.columns == inputWidth, "\(name): \(input.columns) inputs, expected \(inputWidth)")
    let y = output.matrix(rows: input.rows)
    WeightAndBias(weight, bias).withValues { w, b in
      Dense.forward(x: tokenRows(input, features), weight: w, bias: b, into: tokenRows(y, units))
    }
    lastInput = input
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    let x = kept(lastInput, for: outputGradient)
    let dx = needsInputGradient ? inputGradient.matrix(rows: x.rows) : nil
    WeightAndBias(weight, bias).withGradients { w, d in
      Dense.backward(
        x: tokenRows(x, features), weight: w, outputGradient: tokenRows(outputGradient, units),
        weightGradient: d.weight, biasGradient: d.bias, inputGradient: dx.map { tokenRows($0, features) },
        accumulateWeight: d.accumulateWeight, accumulateBias: d.accumulateBias)
    }
    return dx
  }

  // MARK: - Rules on explicit operands

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    var reader = TokenOperandReader(block: certifiedBlock, operands)
    var w = try reader.tensor("W")
    guard w.shape.count == 2 else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'W' has shape \(w.shape); expected [out, in]")
    }
    var x = try reader.tokens("x", features: w.shape[1])
    var b = try reader.parameter("b", shape: [w.shape[0]])
    var y = Tensor<S>(zeros: [x.shape[0], w.shape[0]])
    x.withMatrix { x in
      w.withMatrix { w in b.withMatrix { b in y.withMatrix { y in Dense.forward(x: x, weight: w.base, bias: b.base, into: y) } } }
    }
    return reader.shaped(y)
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var reader = TokenOperandReader(block: certifiedBlock, operands)
    var w = try reader.tensor("W")
    guard w.shape.count == 2 else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'W' has shape \(w.shape); expected [out, in]")
    }
    var x = try reader.tokens("x", features: w.shape[1])
    _ = try reader.parameter("b", shape: [w.shape[0]])
    var dy = try reader.tokens("dy", features: w.shape[0])
    var (dx, dw, db) = (Tensor<S>(zeros: x.shape), Tensor<S>(zeros: w.shape), Tensor<S>(zeros: [w.shape[0]]))
    x.withMatrix { x in
      w.withMatrix { w in
        dy.withMatrix { dy in
          dx.withMatrix { dx in
            dw.withMatrix { dw in
              db.withMatrix { db in
                Dense.backward(x: x, weight: w.base, outputGradient: dy, weightGradient: dw.base, biasGradient: db.base, inputGradient: dx)
              }
            }
          }
        }
      }
    }
    return [ruleNames[0]: reader.shaped(dx), ruleNames[1]: dw, ruleNames[2]: db]
  }
}
