/// Blocks over a batch, for the statement of a batch-coupled model (Docs/Semantics.md,
/// "Batch-coupled models"): batch normalization in training normalizes over the batch, so the
/// gradient the trainer runs is that of the batch's mean loss, and every value of the statement
/// has a leading batch axis.
extension BlockText {
  /// The batch dimension and index a batched block uses (no certified block uses these names;
  /// `batched` refuses a block that does).
  static let batchDimension = "BT", batchIndex = "ex"

  /// A per-example block applied to every example of a batch: the batch axis first in every
  /// input, the output, `dy` and every definition (`x[i]` read as `x[ex, i]`, binders `ex: BT`
  /// first); a parameter's rule summed over the batch (`sum(ex: BT) dy[ex, o] * x[ex, i]`, what the
  /// trainer's product over the batch rows computes); a side condition on the data stated for every
  /// example (`forall ex: BT, k: n. x[ex, k] != 0`). Parameters are shared by the batch, so they do
  /// not gain the axis, and a size read as a number is unchanged.
  /// - Throws: `ModelCertificateError.unsupported` for a block that uses the batch names, or
  ///   defines a scalar from its inputs.
  func batched(node: String) throws -> BlockText {
    try checkBatchNames(node: node)
    let (dim, ex) = (Self.batchDimension, Self.batchIndex)
    let data = Set(inputs.map(\.name) + [output.name, "dy"] + definitions.map { Self.definedName($0.text) })
    var out = self
    out.dimensions = [dim] + dimensions
    out.inputs = inputs.map { Tensor(name: $0.name, shape: [dim] + $0.shape) }
    out.output = Output(name: output.name, binders: [(ex, dim)] + output.binders, formula: Self.prefixingBatch(output.formula, data))
    out.rules = rules.map { rule in
      let formula = Self.prefixingBatch(rule.formula, data)
      guard parameters.contains(where: { $0.name == rule.tensor }) else {
        return Rule(tensor: rule.tensor, indices: [ex] + rule.indices, formula: formula)
      }
      return Rule(tensor: rule.tensor, indices: rule.indices, formula: Self.summedOverBatch(formula))
    }
    out.assumptions = assumptions.flatMap { Self.forEveryExample(Self.prefixingBatch($0, data)) }
    out.definitions = try definitions.map { d in
      guard let open = d.text.firstIndex(of: "["), let eq = d.text.range(of: " = "), open < eq.lowerBound else {
        throw ModelCertificateError.unsupported(node: node, reason: "its block defines a scalar, which a batch has one of per example")
      }
      let head = d.text[...open], binders = d.text[d.text.index(after: open)..<eq.lowerBound]
      return (head + "\(ex): \(dim), " + binders + " = " + Self.prefixingBatch(String(d.text[eq.upperBound...]), data), d.afterOutput)
    }
    return out
  }

  /// A loss block over a batch: the mean of its per-example loss,
  /// `L = (1 / BT) * sum(ex: BT) <loss at ex>`, and its input rule `(1 / BT)` times the block's at
  /// `ex` (the trainer divides by the batch size once, at the loss). The target gains the batch
  /// axis; the loss's side condition holds for every example.
  func batchedLoss(node: String) throws -> BlockText {
    try checkBatchNames(node: node)
    let (dim, ex) = (Self.batchDimension, Self.batchIndex)
    let data = Set(inputs.map(\.name))
    var out = self
    out.dimensions = [dim] + dimensions
    out.inputs = inputs.map { Tensor(name: $0.name, shape: [dim] + $0.shape) }
    out.output = Output(name: output.name, binders: [], formula: "(1 / \(dim)) * " + Self.summedOverBatch(Self.prefixingBatch(output.formula, data)))
    out.rules = rules.map { Rule(tensor: $0.tensor, indices: [ex] + $0.indices, formula: "(1 / \(dim)) * (\(Self.prefixingBatch($0.formula, data)))") }
    out.assumptions = assumptions.flatMap { Self.forEveryExample(Self.prefixingBatch($0, data)) }
    return out
  }

  private func checkBatchNames(node: String) throws {
    let texts = [output.formula] + rules.map(\.formula) + assumptions + definitions.map(\.text) + dimensions
    let used = Set(texts.flatMap { $0.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init) })
    if used.contains(Self.batchDimension) || used.contains(Self.batchIndex) {
      throw ModelCertificateError.unsupported(node: node, reason: "its block uses the name \(Self.batchIndex) or \(Self.batchDimension), which the statement over a batch gives the batch")
    }
  }

  /// `text` with every access of a tensor of `data` given the batch index first: `x[i]` as
  /// `x[ex, i]`.
  static func prefixingBatch(_ text: String, _ data: Set<String>) -> String {
    var out = "", token = ""
    var characters = Array(text)[...]
    while let c = characters.popFirst() {
      if c.isLetter || c.isNumber || c == "_" { token.append(c); continue }
      out += token
      if c == "[", data.contains(token), token.first.map({ $0.isLetter || $0 == "_" }) == true {
        out += "[\(batchIndex), "
      } else {
        out.append(c)
      }
      token = ""
    }
    return out + token
  }

  /// `formula` summed over the batch: a sum that is the whole formula gains the batch binder
  /// (`sum(p: OH) F` as `sum(ex: BT, p: OH) F`); anything else is put under `sum(ex: BT)`.
  static func summedOverBatch(_ formula: String) -> String {
    let f = formula.trimmingCharacters(in: .whitespaces)
    let binder = "\(batchIndex): \(batchDimension)"
    if f.hasPrefix("sum("), isOneProduct(f) { return "sum(\(binder), " + f.dropFirst(4) }
    return "sum(\(binder)) " + (isOneProduct(f) ? f : "(\(f))")
  }

  /// A side condition that reads the data, stated for every example: `forall ex: BT. C`; a
  /// `forall k: n. C` also as the one `forall ex: BT, k: n. C`, the same condition. Both forms, as
  /// the chain rule records the condition: a relu above batch norm reaches batch norm's parameters
  /// under one sum over all its indices (the flat form), and the layers below batch norm through
  /// its batch sums, the batch index first (the nested form); `discharge` compares forms. A
  /// condition on constants alone (`eps > 0`) is unchanged.
  static func forEveryExample(_ condition: String) -> [String] {
    guard condition.contains("[\(batchIndex), ") else { return [condition] }
    let binder = "\(batchIndex): \(batchDimension)"
    let nested = "forall \(binder). " + condition
    return condition.hasPrefix("forall ") ? [nested, "forall \(binder), " + condition.dropFirst(7)] : [nested]
  }

  /// Batch norm's block with its statistics' sums over the batch (`sum(n10: N, h10: H, s10: L)`)
  /// guarded by the channel's range (`| 0 <= c, c < C`), in its output and its `x` and `g` rules.
  /// Inside the range, where the statement reads them, they are the same numbers. Why: the chain
  /// rule's layer identity of batch norm meets each statistic under the sum over the channel, so
  /// its terms carry the range inside the statistic, and the normal form does not drop a
  /// constraint an outer sum implies; with the statement's statistics written the same way, the
  /// gradients below batch norm compare term for term.
  func guardingChannel() -> BlockText {
    var out = self
    func guarded(_ t: String) -> String { t.replacing(/sum\((n\d*: N, h\d*: H, s\d*: L)\)/) { m in "sum(\(m.output.1) | 0 <= c, c < C)" } }
    out.output.formula = guarded(output.formula)
    // `b`'s rule, `sum dy`, has no statistic.
    out.rules = rules.map { Rule(tensor: $0.tensor, indices: $0.indices, formula: $0.tensor == "b" ? $0.formula : guarded($0.formula)) }
    return out
  }
}
