/// Operands of the token blocks (`Theorems/transformer.thm`), by name: a per-example operand is
/// `[T, n]` (one example) or `[B, T, n]` (a batch), read as the `[B T, n]` matrix of its tokens,
/// the layout the trainer's kernels run on (one example's tokens are consecutive rows).
struct TokenOperandReader<S: TrainScalar> {
  let block: String
  let operands: [String: Tensor<S>]
  /// Examples and tokens of the first per-example operand read; the others must agree.
  private(set) var examples: Int?
  private(set) var tokens: Int?
  /// Whether the per-example operands came without a batch dimension (results are returned alike).
  private(set) var singleExample = false

  init(block: String, _ operands: [String: Tensor<S>]) {
    self.block = block
    self.operands = operands
  }

  private func fail(_ reason: String) -> TrainingError { .badOperands(block: block, reason: reason) }

  func tensor(_ name: String) throws -> Tensor<S> {
    guard let tensor = operands[name] else {
      throw fail("missing operand '\(name)' (given: \(operands.keys.sorted().joined(separator: ", ")))")
    }
    return tensor
  }

  /// A parameter of exactly the given shape.
  func parameter(_ name: String, shape: [Int]) throws -> Tensor<S> {
    let t = try tensor(name)
    guard t.shape == shape else { throw fail("'\(name)' has shape \(t.shape); expected \(shape)") }
    return t
  }

  /// A per-example operand as a `[B T, features]` matrix; `features` is inferred when nil.
  mutating func tokens(_ name: String, features: Int? = nil) throws -> Tensor<S> {
    let t = try tensor(name)
    guard t.shape.count == 2 || t.shape.count == 3 else {
      throw fail("'\(name)' has shape \(t.shape); expected [T, n] or [B, T, n]")
    }
    let (b, count, width) = t.shape.count == 2 ? (1, t.shape[0], t.shape[1]) : (t.shape[0], t.shape[1], t.shape[2])
    if let features, width != features { throw fail("'\(name)' has \(width) features per token; expected \(features)") }
    if let examples, let tokens {
      guard b == examples, count == tokens, (t.shape.count == 2) == singleExample else {
        throw fail("'\(name)' has shape \(t.shape); expected \(singleExample ? [tokens, width] : [examples, tokens, width]) like the input")
      }
    } else {
      (examples, tokens, singleExample) = (b, count, t.shape.count == 2)
    }
    return t.reshaped([b * count, width])
  }

  /// A result of `[B T, n]` tokens, shaped like the per-example operands were given.
  func shaped(_ t: Tensor<S>) -> Tensor<S> {
    let (b, count) = (examples ?? 1, tokens ?? 1)
    return singleExample ? t.reshaped([count, t.shape[1]]) : t.reshaped([b, count, t.shape[1]])
  }
}
