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
    let block = LayerBlock(layer)
    let replayed = block.ruleNames.compactMap { rules[$0] }
    if let outputRank = replayed.first?.output.parameters.count, outputRank != output.count, outputRank == 1 {
      output = [output.reduce(1, *)]
    }
    if let inputRule = replayed.first(where: { $0.variable == block.operandNames[0] }), inputRule.indices.count != input.count,
      inputRule.indices.count == 1
    {
      input = [input.reduce(1, *)]
    }
  }
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

/// Calls `body(flat)` at every multi-index of `shape` in row-major order, after setting index
/// `axis` of `plan` to each coordinate (free index `axis` is the shape's axis `axis`).
func forEachIndex<Values: PlanValues>(_ shape: [Int], of plan: FormulaPlan<Values>, _ body: (Int) throws(GradientAuditError) -> Void) throws(GradientAuditError) {
  let count = shape.reduce(1, *)
  guard count > 0 else { return }
  var index = Array(repeating: 0, count: shape.count)
  for axis in shape.indices { plan.setIndex(axis, 0) }
  for flat in 0..<count {
    try body(flat)
    // Advance the last axis, carrying into earlier ones.
    var axis = shape.count - 1
    while axis >= 0 {
      index[axis] += 1
      if index[axis] < shape[axis] {
        plan.setIndex(axis, index[axis])
        break
      }
      index[axis] = 0
      plan.setIndex(axis, 0)
      axis -= 1
    }
  }
}
