/// What the transformer layers do to the shape of a value, and the parameters they hold.
///
/// A token-shaped value is `[T, n]`: `T` tokens of `n` features (`input TxN`), stored token-major.
/// `dense` maps every token, `layernorm` and `softmax` normalize the last axis (a vector is one
/// token), the activations keep any shape, `attention_heads H` reads `[T, 3D]` (each token's
/// query, key and value) and gives `[T, D]`, `token_meanpool` gives `[D]`; `patch_embed D P` turns
/// a `[C, H, W]` image into `[(H/P)(W/P), D]` tokens.
extension LayerSpec {
  /// The output shape of a transformer layer for `input`, or why it does not fit; nil for
  /// another kind.
  func tokenOutputShape(input: [Int]) -> Result<[Int], ShapeError>? {
    func tokens(_ what: String) -> Result<(t: Int, n: Int), ShapeError> {
      guard input.count == 2 else {
        return .failure(ShapeError("\(what) reads TxN tokens, but its input is \(Self.describe(input))"
          + " (give the input as 'input TxN', e.g. 'input 16x49')"))
      }
      return .success((input[0], input[1]))
    }
    switch self {
    case .denseTokens(let units): return tokens("dense").map { [$0.t, units] }
    case .layernorm, .softmax:
      guard input.count <= 2 else {
        return .failure(ShapeError("\(text) normalizes the last axis of a vector or TxN tokens, but its input is \(Self.describe(input))"))
      }
      return .success(input)
    case .gelu, .geluTanh: return .success(input)
    case .attentionHeads(let heads):
      return tokens("attention_heads").flatMap { x in
        guard x.n % (3 * heads) == 0 else {
          return .failure(ShapeError("attention_heads \(heads) reads each token's query, key and value side by side (3 x \(heads) heads x width),"
            + " but its input has \(x.n) features per token, not a multiple of \(3 * heads) (write 'dense \(3 * heads * max(1, x.n / (3 * heads)))' before it)"))
        }
        return .success([x.t, x.n / 3])
      }
    case .positionEmbedding: return tokens("position_embedding").map { [$0.t, $0.n] }
    case .tokenMeanpool: return tokens("token_meanpool").map { [$0.n] }
    case let .patchEmbed(units, patch):
      guard input.count == 3 else {
        return .failure(ShapeError("patch_embed needs a CxHxW image, but its input is \(Self.describe(input))"
          + " (give the input as 'input CxHxW', e.g. 'input 1x28x28')"))
      }
      guard PatchEmbed.kind(patch: patch) != nil else {
        return .failure(ShapeError("patch_embed patch size \(patch) is not supported; the certified rules are for patches of "
          + PatchEmbed.supportedPatches.map(String.init).joined(separator: ", ") + " (Theorems/transformer.thm)"))
      }
      guard input[1] >= patch, input[2] >= patch else {
        return .failure(ShapeError("patch_embed patch \(patch) is larger than its input's \(input[1] < patch ? "height \(input[1])" : "width \(input[2])")"))
      }
      return .success([(input[1] / patch) * (input[2] / patch), units])
    default: return nil
    }
  }

  /// The number of trainable scalars of a transformer layer for `input`, nil when it overflows
  /// `Int`; 0 for another kind.
  func tokenParameterCount(input: [Int]) -> Int? {
    let (product, overflow): (Int, Bool)
    switch self {
    case .denseTokens(let units): (product, overflow) = (input.last! + 1).multipliedReportingOverflow(by: units)
    case .layernorm: (product, overflow) = (2 * input.last!, false)
    case .positionEmbedding: (product, overflow) = input.reduce(1, *).multipliedReportingOverflow(by: 1)
    case let .patchEmbed(units, patch): (product, overflow) = (input[0] * patch * patch + 1).multipliedReportingOverflow(by: units)
    default: (product, overflow) = (0, false)
    }
    return overflow ? nil : product
  }

  /// The attention weights `attention_heads` keeps per example, `H T T` (saturating at
  /// `Int.max / 4`, which the memory bound then refuses); nil for another kind. The other transformer layers keep at most about their input and
  /// output widths, which the memory bound counts already.
  func tokenScratchPerExample(input: [Int]) -> Int? {
    guard case let .attentionHeads(heads) = self, input.count == 2 else { return nil }
    let (square, o1) = input[0].multipliedReportingOverflow(by: input[0])
    let (total, o2) = square.multipliedReportingOverflow(by: heads)
    return o1 || o2 || total > Int.max / 4 ? Int.max / 4 : total
  }

  /// `a vector of n values`, `TxN tokens`, or `a CxHxW image`, for messages.
  static func describe(_ shape: [Int]) -> String {
    let text = shape.map(String.init).joined(separator: "x")
    switch shape.count {
    case 1: return "a vector of \(shape[0]) values"
    case 2: return "\(text) tokens"
    default: return "a \(text) image"
    }
  }
}
