public import Exact
public import Intervals
import ProofKernel
public import Train

/// The exact real gradient of a model's batch-mean loss at its Float32 weights and inputs,
/// enclosed in MPFI by evaluating the certified formulas.
///
/// Per example `b`, the chain is the certified rules composed by the chain rule:
///
///     a_0 = x_b,  a_{k+1} = y_k(a_k)                 (each layer's certified output definition)
///     s_L = (1/B) · grad(L, z)(a_L)                  (the loss rule; 1/B for the batch mean)
///     s_{k-1} = vjp_x of layer k (a_{k-1}, s_k)      (each layer's input rule, seed dy = s_k)
///     dP = Σ_b vjp_P of its layer (a_{k-1}, s_k)     (each parameter's rule, summed over the batch)
///
/// The formulas are the certificates'; the composition (which buffer is whose input and seed), the
/// factor `1/B` and the sum over the batch are the glue (`LayerPlans`). Every intermediate tensor —
/// each layer's output and each seed, for the whole batch — is computed once into a preallocated
/// `IntervalVector` and read by the later formulas: the memoized definitions.
///
/// The backward pass stops where the trainer's does: the input gradient of the first layer with
/// parameters is not computed.
public final class GradientEnclosure {
  public let precision: Int
  public let batch: Int
  /// `widths[k]` is layer `k`'s input width; the last is the model's output width.
  public let widths: [Int]
  /// `activations[0]` the inputs, `activations[k + 1]` layer `k`'s outputs (`B × widths[k + 1]`).
  public private(set) var activations: [IntervalVector]
  /// `seeds[k]`: the gradient of the batch-mean loss in layer `k`'s output (`B × widths[k + 1]`).
  public private(set) var seeds: [IntervalVector]
  /// The parameters' values, in the model's order (points: the Float32 weights).
  public let parameters: [IntervalVector]
  /// The enclosed gradients, in the model's order.
  public let gradients: [IntervalVector]
  /// Per layer position: ReLU inputs exactly 0 (`step` at a kink: the certified rule does not
  /// apply there; the value uses `step(0) = 0`), and inputs whose enclosure straddles 0.
  public private(set) var kinks: [Int: (exact: Int, undecided: Int)] = [:]

  let layers: [LayerPlans]
  let loss: LayerPlans
  let targets: IntervalVector
  /// Layer index of each parameter, and its index among the layer's parameters.
  let owner: [(layer: Int, slot: Int)]
  let firstTrainable: Int
  let parameterShapes: [[Int]]

  /// Plans the model's formulas from `rules` (replayed certificates by name) and loads `batch`.
  /// - Throws: `GradientAuditError` when a rule is missing or a formula cannot be planned.
  public init(model: Sequential, rules: [String: ReplayedRule], batch: GradientBatch, precision: Int) throws(GradientAuditError) {
    guard batch.width == model.inputWidth else {
      throw GradientAuditError.data("examples have \(batch.width) features, the model takes \(model.inputWidth)")
    }
    if let bad = batch.labels.first(where: { $0 < 0 || Int($0) >= model.outputWidth }) {
      throw GradientAuditError.data("label \(bad) is outside 0..<\(model.outputWidth)")
    }
    self.precision = precision
    self.batch = batch.count
    widths = [model.inputWidth] + model.layers.map(\.outputWidth)
    activations = widths.map { IntervalVector(count: batch.count * $0, precision: precision) }
    seeds = widths.dropFirst().map { IntervalVector(count: batch.count * $0, precision: precision) }
    parameters = model.parameters.map { IntervalVector(count: $0.value.count, precision: precision) }
    gradients = model.parameters.map { IntervalVector(count: $0.value.count, precision: precision) }
    targets = IntervalVector(count: batch.count * model.outputWidth, precision: precision)

    var plans: [LayerPlans] = []
    var owner: [(Int, Int)] = []
    for (k, layer) in model.layers.enumerated() {
      let kind = type(of: layer)
      var shapes: [String: [Int]] = [kind.operandNames[0]: [layer.inputWidth], "dy": [layer.outputWidth]]
      for (slot, p) in layer.parameters.enumerated() {
        shapes[String(p.rule.split(separator: ".").last!)] = p.shape
        owner.append((k, slot))
      }
      plans.append(try LayerPlans.make(
        block: kind.certifiedBlock, ruleNames: kind.ruleNames, operandNames: kind.operandNames,
        parameterRules: layer.parameters.map(\.rule), shapes: shapes, rules: rules, precision: precision))
    }
    let lossType = type(of: model.loss)
    loss = try LayerPlans.make(
      block: lossType.certifiedBlock, ruleNames: lossType.ruleNames, operandNames: lossType.operandNames,
      parameterRules: [], shapes: [lossType.operandNames[0]: [model.outputWidth], "t": [model.outputWidth]],
      rules: rules, precision: precision)
    layers = plans
    self.owner = owner
    parameterShapes = model.parameters.map(\.shape)
    firstTrainable = model.layers.firstIndex { !$0.parameters.isEmpty } ?? model.layers.count

    for (k, v) in batch.features.enumerated() { activations[0].set(k, to: v) }
    for (b, label) in batch.labels.enumerated() { targets.set(b * model.outputWidth + Int(label), to: Rational(1)) }
    setParameters(model.parameters.map(\.value.scalars))
  }

  /// Sets every parameter to the given Float32 values (points).
  public func setParameters(_ values: [[Float]]) {
    for (p, v) in zip(parameters, values) { for (k, x) in v.enumerated() { p.set(k, to: x) } }
  }

  /// Sets every parameter to `w + h·v` for Float32 `w` and `v`, enclosed at this precision.
  public func setParameters(_ values: [[Float]], plus h: Rational, times direction: [[Float]]) {
    for (p, (w, v)) in zip(parameters, zip(values, direction)) {
      for k in w.indices { p.set(k, to: try! Rational(exactly: Double(w[k])) + h * (try! Rational(exactly: Double(v[k])))) }
    }
  }

  // MARK: - Passes

  /// Every layer's outputs for the whole batch, from the inputs and the current parameters.
  public func forward() throws(GradientAuditError) {
    for (k, plan) in layers.enumerated() {
      bindParameters(plan.forward, layer: k)
      let (inWidth, outWidth) = (widths[k], widths[k + 1])
      let outputs = plan.forward.forwardIndexCount
      precondition(outputs == 1, "\(plan.block): a layer output with \(outputs) indices")
      for b in 0..<batch {
        plan.forward.bind(plan.inputName, to: activations[k], offset: b * inWidth)
        for o in 0..<outWidth {
          plan.forward.setIndex(0, o)
          try plan.forward.evaluate(into: activations[k + 1], b * outWidth + o)
        }
      }
    }
  }

  /// The batch-mean loss, from the last forward pass: `(1/B) Σ_b L(a_L, t_b)` with the loss's
  /// certified output definition.
  public func meanLoss() throws(GradientAuditError) -> Interval {
    let n = widths.last!
    let values = IntervalVector(count: 1, precision: precision)
    let total = IntervalVector(count: 1, precision: precision)
    for b in 0..<batch {
      loss.forward.bind(loss.inputName, to: activations.last!, offset: b * n)
      loss.forward.bind("t", to: targets, offset: b * n)
      try loss.forward.evaluate(into: values, 0)
      total.add(0, values, 0)
    }
    total.multiply(0, by: Rational(1, batch))
    return total[0]
  }

  /// The seeds and every parameter's gradient, from the last forward pass.
  public func backward() throws(GradientAuditError) {
    let n = widths.last!
    guard let lossRule = loss.inputRule else { throw GradientAuditError.invalidModel("the loss has no gradient rule") }
    let scale = Rational(1, batch)
    let top = seeds[layers.count - 1]
    for b in 0..<batch {
      lossRule.bind(loss.inputName, to: activations.last!, offset: b * n)
      lossRule.bind("t", to: targets, offset: b * n)
      for i in 0..<n {
        lossRule.setIndex(0, i)
        try lossRule.evaluate(into: top, b * n + i)
        top.multiply(b * n + i, by: scale)  // the batch mean
      }
    }
    for g in gradients { g.setAllZero() }
    for k in stride(from: layers.count - 1, through: firstTrainable, by: -1) {
      let plan = layers[k]
      let (inWidth, outWidth) = (widths[k], widths[k + 1])
      for (slot, rule) in plan.parameterRules.enumerated() {
        let p = owner.firstIndex { $0.layer == k && $0.slot == slot }!
        try accumulateParameter(rule.plan, layer: k, into: gradients[p], shape: parameterShape(p))
      }
      guard k > firstTrainable, let inputRule = plan.inputRule else { continue }
      bindParameters(inputRule, layer: k)
      let before = (inputRule.kinks, inputRule.undecidedKinks)
      for b in 0..<batch {
        inputRule.bindIfRead(plan.inputName, to: activations[k], offset: b * inWidth)
        if let seed = plan.seedName { inputRule.bindIfRead(seed, to: seeds[k], offset: b * outWidth) }
        for i in 0..<inWidth {
          inputRule.setIndex(0, i)
          try inputRule.evaluate(into: seeds[k - 1], b * inWidth + i)
        }
      }
      let found = (inputRule.kinks - before.0, inputRule.undecidedKinks - before.1)
      if plan.block == "relu" { kinks[k] = (found.0, found.1) }
    }
  }

  private func parameterShape(_ p: Int) -> [Int] { parameterShapes[p] }

  /// `gradient += Σ_b rule(example b)` at every index of the parameter.
  private func accumulateParameter(_ plan: FormulaPlan, layer k: Int, into gradient: IntervalVector, shape: [Int]) throws(GradientAuditError) {
    bindParameters(plan, layer: k)
    let (inWidth, outWidth) = (widths[k], widths[k + 1])
    let layerPlans = layers[k]
    let rank = shape.count
    for b in 0..<batch {
      plan.bindIfRead(layerPlans.inputName, to: activations[k], offset: b * inWidth)
      if let seed = layerPlans.seedName { plan.bindIfRead(seed, to: seeds[k], offset: b * outWidth) }
      if rank == 1 {
        for i in 0..<shape[0] {
          plan.setIndex(0, i)
          try plan.accumulate(into: gradient, i)
        }
      } else if rank == 2 {
        for o in 0..<shape[0] {
          plan.setIndex(0, o)
          for i in 0..<shape[1] {
            plan.setIndex(1, i)
            try plan.accumulate(into: gradient, o * shape[1] + i)
          }
        }
      } else {
        throw GradientAuditError.invalidModel("\(plan.rule): parameters of rank \(rank) are not audited")
      }
    }
  }

  private func bindParameters(_ plan: FormulaPlan, layer k: Int) {
    for (p, (layer, slot)) in owner.enumerated() where layer == k {
      plan.bindIfRead(layers[k].parameterRules[slot].operand, to: parameters[p], offset: 0)
    }
  }
}

extension FormulaPlan {
  /// Binds `name` when the formula reads it (a rule need not read every operand: `dense.b` reads
  /// only `dy`).
  func bindIfRead(_ name: String, to vector: IntervalVector, offset: Int) {
    if tensorIDs[name] != nil { bind(name, to: vector, offset: offset) }
  }

  /// The number of free indices.
  var forwardIndexCount: Int { freeSlots.count }
}
