import Exact
import Train

/// How the gradient enclosure lays out one layer's values: the per-example shapes of its input and
/// output (`[C, H, W]` for an image, stored channel-major as the trainer stores it, so an example
/// is one contiguous row of the batch either way), the sizes of the block's dimensions that no
/// operand's shape gives (a convolution's padding `P`), and whether the layer is the identity on
/// storage (`flatten`: no rule, its output is its input's memory).
///
/// The formulas' free indices are walked in row-major order of these shapes, so flat position
/// `k` of an example's row is the multi-index `k` names in that order.
struct LayerLayout: Equatable {
  var input: [Int]
  var output: [Int]
  /// Dimensions only index arithmetic mentions (`P` in `x[c, p + u - P + 1, ...]`).
  var dimensions: [String: Int]
  /// The output is the input's storage; the layer has no plans.
  var isStorageIdentity: Bool
  /// The block's operands carry the batch as their first axis (batch norm in training form:
  /// `x[N, C, H, L]`), so one example's output reads every example.
  var batchWide = false
  /// Named constants of the block (batch norm's and layer norm's `eps`, the trainer's Float32
  /// `1e-5` exactly).
  var constants: [String: Rational] = [:]
  /// The operands of a block that reads parts of one value, each in place: attention's `Q`, `K`
  /// and `V` (`[T, H, E]` each) are columns `0..<D`, `D..<2D` and `2D..<3D` of its `[T, 3D]`
  /// input (`D = H E`), token `t`'s `(h, e)` at `t·3D + offset + h·E + e`. Empty: each operand is a
  /// whole value of shape `input`.
  var parts: [Part] = []

  /// One operand read in place from an example's row: its shape, where it starts in the row, and
  /// the row's step along each of its axes.
  struct Part: Equatable {
    let name: String
    let shape: [Int]
    let offset: Int
    let strides: [Int]

    /// The position in the row of the operand's element at row-major position `flat`.
    func position(_ flat: Int) -> Int {
      var (rest, at) = (flat, offset)
      for axis in shape.indices.reversed() {
        at += (rest % shape[axis]) * strides[axis]
        rest /= shape[axis]
      }
      return at
    }
  }

  /// The layout of `layer` for its certified rules (`rules`, by name): an elementwise block
  /// (`relu(n)`, with `x[n]`) reads an image as the flat vector it is in memory, so a shape whose
  /// rank the block does not declare is flattened.
  init(_ layer: any Layer, rules: [String: ReplayedRule]) {
    // `DenseOverImage.image`: its `inputShape` is not reached through `any Layer` (the witness is
    // `Dense`'s, the protocol's default).
    input = (layer as? DenseOverImage)?.image ?? layer.inputShape
    output = layer.outputShape
    dimensions = (layer as? any GradientLayoutDimensions)?.extraDimensions ?? [:]
    isStorageIdentity = layer is Flatten
    if (layer is Softmax || layer is LayerNorm), input.count == 1 {
      // A vector is one token: `[1, n]` for the `[T, n]` rules (not a batch axis).
      (input, output) = ([1] + input, [1] + output)
    }
    let block = LayerBlock(layer)
    let replayed = block.ruleNames.compactMap { rules[$0] }
    if let outputRank = replayed.first?.output.parameters.count, outputRank != output.count, outputRank == 1 {
      output = [output.reduce(1, *)]
    }
    if let inputRule = replayed.first(where: { $0.variable == block.operandNames[0] }), inputRule.indices.count != input.count {
      if inputRule.indices.count == 1 { input = [input.reduce(1, *)] }
      batchWide = inputRule.indices.count == input.count + 1
    }
    if layer is BatchNorm { constants["eps"] = try! Rational(exactly: Double(BatchNorm.epsilon)) }  // finite
    if layer is LayerNorm { constants["eps"] = try! Rational(exactly: Double(LayerNorm.epsilon)) }  // finite
    if let embed = layer as? PatchEmbed {
      // `y[p, q, d]`: the `[GH GW, D]` tokens are the same storage, `GH` patches down, `GW` across.
      let patch = type(of: embed).patch
      output = [embed.inputShape[1] / patch, embed.inputShape[2] / patch, embed.units]
    }
    if let attention = layer as? AttentionHeads {
      // `O[t, h, e]` is the `[T, D]` output's storage; Q, K, V are read in place from the input.
      let (t, h, e) = (attention.tokens, attention.heads, attention.headWidth)
      output = [t, h, e]
      batchWide = false  // the rules' three indices are the parts', not a batch axis and the input's two
      parts = AttentionHeads.operandNames.enumerated().map { k, name in
        Part(name: name, shape: [t, h, e], offset: k * h * e, strides: [3 * h * e, e, 1])
      }
    }
  }
}

/// An input operand of a layer: its name in the block, the value it reads, and its shape and
/// place in an example's row of that value when it is a part of the row (attention's Q, K and V;
/// nil: the whole row, in the layout's input shape).
struct LayerOperand {
  let name: String
  let value: Int
  let part: LayerLayout.Part?
  var offset: Int { part?.offset ?? 0 }
}

/// The certified block a layer runs: its name, rules and operand names (a formula layer's are
/// per instance: `swish.x`).
struct LayerBlock {
  let block: String
  let ruleNames: [String]
  let operandNames: [String]

  init(_ layer: any Layer) {
    if let formula = layer as? FormulaLayer {
      block = formula.block
      ruleNames = [formula.rule]
      operandNames = [String(formula.rule.split(separator: ".").last!)]  // `swish.x` differentiates in `x`
    } else {
      let kind = type(of: layer)
      block = kind.certifiedBlock
      ruleNames = kind.ruleNames
      operandNames = kind.operandNames
    }
  }
}

/// A layer whose certified block has a dimension that no operand's shape determines.
protocol GradientLayoutDimensions {
  var extraDimensions: [String: Int] { get }
}

extension Conv2D: GradientLayoutDimensions {
  /// The blocks' padding is `P - 1` (`P >= 1` covers every padding >= 0).
  var extraDimensions: [String: Int] { ["P": geometry.padding + 1] }
}

extension DepthwiseConv2D: GradientLayoutDimensions {
  var extraDimensions: [String: Int] { ["P": geometry.padding + 1] }
}

extension AvgPool: GradientLayoutDimensions {
  /// No operand has the window's size: `(1 / K) * (1 / K) * sum(u: K, v: K) ...`.
  var extraDimensions: [String: Int] { ["K": geometry.kernel] }
}

/// Calls `body(flat)` at every multi-index of `shape` in row-major order, after setting free
/// index `first + axis` of `plan` to each coordinate (`first` is 1 when index 0 is the example).
func forEachIndex<Values: PlanValues>(
  _ shape: [Int], of plan: FormulaPlan<Values>, from first: Int = 0, _ body: (Int) throws(GradientAuditError) -> Void
) throws(GradientAuditError) {
  let count = shape.reduce(1, *)
  guard count > 0 else { return }
  var index = Array(repeating: 0, count: shape.count)
  for axis in shape.indices { plan.setIndex(first + axis, 0) }
  for flat in 0..<count {
    try body(flat)
    // Advance the last axis, carrying into earlier ones.
    var axis = shape.count - 1
    while axis >= 0 {
      index[axis] += 1
      if index[axis] < shape[axis] {
        plan.setIndex(first + axis, index[axis])
        break
      }
      index[axis] = 0
      plan.setIndex(first + axis, 0)
      axis -= 1
    }
  }
}
