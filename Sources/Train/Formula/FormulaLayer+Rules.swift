/// The rules of a formula layer on explicit operands, like `CertifiedBlock` for the built-in
/// layers — but per instance, since each formula layer has its own block and rule.
///
/// They run the same compiled evaluator the training step runs (generic over the scalar), so the
/// tests can hold it to exact evaluation of the certified formulas and to finite differences in
/// `Double`.
///
/// ```swift
/// let y = try layer.forwardRule(["x": x])                 // Tensor<Double> [B, out] or [out]
/// let g = try layer.backwardRules(["x": x, "dy": dy])     // ["swish.x": [B, n] or [n]]
/// ```
extension FormulaLayer {
  /// A formula layer's rules depend on its formula: use `forwardRule(_:)` on the layer.
  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    throw TrainingError.badOperands(block: certifiedBlock, reason: "a formula layer's rules are its own: call forwardRule(_:) on the layer")
  }

  /// A formula layer's rules depend on its formula: use `backwardRules(_:)` on the layer.
  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    throw TrainingError.badOperands(block: certifiedBlock, reason: "a formula layer's rules are its own: call backwardRules(_:) on the layer")
  }

  /// The output `y` for the input operand (`x`: `[B, n]` or `[n]`).
  /// - Throws: `TrainingError.badOperands` for a missing or misshapen operand, or a layer that is
  ///   not installed.
  public func forwardRule<S: FormulaScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    let parts = try installedParts()
    var reader = OperandReader(block: block, operands)
    var x = try reader.batch(parts.input, width: inputWidth)
    let rows = x.shape[0]
    let program = try evaluator { try parts.forward(FormulaProgram<S>.self, inputWidth, outputWidth, checks: false) }
    let xt = TransposedBatch<S>(width: inputWidth)
    xt.reserve(capacity: max(rows, 1))
    program.reserve(capacity: max(rows, 1))
    x.withMatrix { xt.load($0) }
    program.setOperand(parts.input, xt)
    var y = Tensor<S>(zeros: [rows, outputWidth])
    y.withMatrix { program.run(rows: rows, into: $0) }
    return reader.shaped(y)
  }

  /// The rule (`"swish.x"`) for the operands `x` and `dy` (`[B, n]` and `[B, out]`, or one example).
  /// - Throws: `TrainingError.badOperands` as `forwardRule`.
  public func backwardRules<S: FormulaScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    let parts = try installedParts()
    var reader = OperandReader(block: block, operands)
    var x = try reader.batch(parts.input, width: inputWidth)
    let rows = x.shape[0]
    var dy = try reader.batch(parts.seed, width: outputWidth, rows: rows)
    let program = try evaluator { try parts.backward(FormulaProgram<S>.self, inputWidth, outputWidth) }
    let (xt, dyt) = (TransposedBatch<S>(width: inputWidth), TransposedBatch<S>(width: outputWidth))
    for batch in [xt, dyt] { batch.reserve(capacity: max(rows, 1)) }
    program.reserve(capacity: max(rows, 1))
    x.withMatrix { xt.load($0) }
    dy.withMatrix { dyt.load($0) }
    program.setOperand(parts.input, xt)
    program.setOperand(parts.seed, dyt)
    var dx = Tensor<S>(zeros: [rows, inputWidth])
    dx.withMatrix { program.run(rows: rows, into: $0) }
    return [rule: reader.shaped(dx)]
  }

  private func installedParts() throws -> FormulaParts {
    guard let parts else {
      throw TrainingError.badOperands(block: block, reason: "the formula layer is not certified (build its model with Sequential)")
    }
    return parts
  }

  private func evaluator<P>(_ body: () throws -> P) throws -> P {
    do { return try body() } catch let refusal as FormulaRefusal {
      throw TrainingError.badOperands(block: block, reason: refusal.message)
    }
  }
}
