import Dispatch
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
///
/// An image is one row of its batch, channel-major as the trainer stores it (`LayerLayout`): a
/// formula's free indices walk the layer's input or output shape in row-major order. `flatten`
/// has no rule and moves no data: its output and its input gradient are the same vectors as its
/// input and its output gradient.
///
/// A graph-shaped model (residual `add`, `mul`, `from`, fan-out) runs the same passes over its
/// values: `activations[v]` is value `v` (0 the input, `k + 1` layer `k`'s output), a layer reads
/// the values `sources[k]` gives, each of a binary block's operands (`x`, `z`) bound to its own,
/// and each operand's input rule (`add.x`, `add.z`) gives that value's seed. A value read more
/// than once (a fan-out) gets the sum of its readers' contributions, as the trainer's backward
/// pass adds them (the kernel's `fan-out` rule; the sum is glue, enclosed like the batch sum).
///
/// Attention reads its three operands `Q`, `K`, `V` (`[T, H, E]`) in place from its one `[T, 3D]`
/// input (`LayerLayout.parts`, the trainer's layout): each operand's rule writes its own columns of
/// the input's seed, so the three together give the whole seed with no sum.
///
/// The batch is split into `threads` contiguous parts, each evaluated by plans of its own: the
/// examples are independent until the parameter gradients, which each part sums into its own
/// vectors and which are then added in part order (a sum of enclosures encloses the sum). The
/// storage is generic: `GradientEnclosure<IntervalVector>` is the audit's proof,
/// `GradientEnclosure<DoubleValues>` the same passes in Float64 for the finite-difference checks.
package final class GradientEnclosure<Values: PlanValues> {
  package let precision: Int
  package let batch: Int
  /// `widths[v]` is value `v`'s width (in a chain, layer `v`'s input); the last is the model's
  /// output width.
  package let widths: [Int]
  /// The values each layer reads (`[k]` in a chain).
  package let sources: [[Int]]
  /// Per value: whether its gradient is needed, i.e. a layer with parameters computes it or
  /// reads it (the trainer's backward pass likewise stops at the data).
  let needsGradient: [Bool]
  /// Per value: read by more than one operand (its seed is a sum of contributions).
  let isFannedOut: [Bool]
  /// Each layer's per-example shapes, in the model's order.
  let layouts: [LayerLayout]
  /// Each layer's input operands, in its block's order.
  let operands: [[LayerOperand]]
  /// `activations[0]` the inputs, `activations[k + 1]` layer `k`'s outputs (`B × widths[k + 1]`).
  package let activations: [Values]
  /// `seeds[k]`: the gradient of the batch-mean loss in layer `k`'s output (`B × widths[k + 1]`).
  package let seeds: [Values]
  /// The parameters' values, in the model's order (points: the Float32 weights).
  package let parameters: [Values]
  /// The enclosed gradients, in the model's order.
  package let gradients: [Values]
  /// Per layer position: ReLU inputs exactly 0 (`step` at a kink: the certified rule does not
  /// apply there; the value uses `step(0) = 0`), and inputs whose enclosure straddles 0.
  package private(set) var kinks: [Int: (exact: Int, undecided: Int)] = [:]

  let targets: Values
  /// Layer index of each parameter, and its index among the layer's parameters.
  let owner: [(layer: Int, slot: Int)]
  let firstTrainable: Int
  let parameterShapes: [[Int]]
  /// One per part of the batch: its plans, its examples, its partial gradients.
  package let parts: [Part]

  /// The plans of one thread and the examples it evaluates.
  package struct Part {
    /// Nil for a layer that is the identity on storage.
    let layers: [LayerPlans<Values>?]
    let loss: LayerPlans<Values>
    let examples: Range<Int>
    /// Where this part sums the parameter gradients: the enclosure's own for the first part.
    let gradients: [Values]
    /// One example's contribution to a fanned-out value's seed, before it is added.
    let scratch: Values
  }

  /// Plans the model's formulas from `rules` (replayed certificates by name) and loads `batch`.
  /// - Parameter threads: parts of the batch evaluated in parallel (at most one per example).
  /// - Throws: `GradientAuditError` when a rule is missing or a formula cannot be planned.
  package init(
    model: Sequential, rules: [String: ReplayedRule], batch: GradientBatch, precision: Int, threads: Int = 1
  ) throws(GradientAuditError) {
    guard batch.width == model.inputWidth else {
      throw GradientAuditError.data("examples have \(batch.width) features, the model takes \(model.inputWidth)")
    }
    if let bad = batch.labels.first(where: { $0 < 0 || Int($0) >= model.outputWidth }) {
      throw GradientAuditError.data("label \(bad) is outside 0..<\(model.outputWidth)")
    }
    self.precision = precision
    self.batch = batch.count
    widths = [model.inputWidth] + model.layers.map(\.outputWidth)
    let sources = model.layers.indices.map { model.spec.sources(of: $0) }
    self.sources = sources
    var readers = Array(repeating: [Int](), count: widths.count)
    for (k, reads) in sources.enumerated() { for v in reads { readers[v].append(k) } }
    isFannedOut = readers.map { $0.count > 1 }
    var needsGradient = [false]
    for (k, layer) in model.layers.enumerated() {
      needsGradient.append(!layer.parameters.isEmpty || sources[k].contains { needsGradient[$0] })
    }
    self.needsGradient = needsGradient
    let layouts = model.layers.map { LayerLayout($0, rules: rules) }
    self.layouts = layouts
    let operands = zip(model.layers, layouts).enumerated().map { k, pair in
      let (layer, layout) = pair
      // A block that reads parts of its one input (attention) names each part; otherwise the
      // first `reads` operand names are the inputs (the rest are parameters).
      if !layout.parts.isEmpty { return layout.parts.map { LayerOperand(name: $0.name, value: sources[k][0], part: $0) } }
      let names = LayerBlock(layer).operandNames.prefix(sources[k].count)
      return zip(names, sources[k]).map { LayerOperand(name: $0, value: $1, part: nil) }
    }
    self.operands = operands
    // A storage identity's output is its input's vector, and its input gradient its output
    // gradient's when it is the value's only reader (so the seeds are made top down).
    var activations = [Values(count: batch.count * widths[0], precision: precision)]
    for (k, layout) in layouts.enumerated() {
      activations.append(layout.isStorageIdentity ? activations[sources[k][0]] : Values(count: batch.count * widths[k + 1], precision: precision))
    }
    self.activations = activations
    var seeds = [Values?](repeating: nil, count: layouts.count)
    for k in layouts.indices.reversed() {
      if readers[k + 1].count == 1, let j = readers[k + 1].first, layouts[j].isStorageIdentity {
        seeds[k] = seeds[j]
      } else {
        seeds[k] = Values(count: batch.count * widths[k + 1], precision: precision)
      }
    }
    self.seeds = seeds.map { $0! }
    parameters = model.parameters.map { Values(count: $0.value.count, precision: precision) }
    let gradients = model.parameters.map { Values(count: $0.value.count, precision: precision) }
    self.gradients = gradients
    targets = Values(count: batch.count * model.outputWidth, precision: precision)

    var owner: [(Int, Int)] = []
    for (k, layer) in model.layers.enumerated() {
      for slot in layer.parameters.indices { owner.append((k, slot)) }
    }
    self.owner = owner
    parameterShapes = model.parameters.map(\.shape)
    firstTrainable = model.layers.firstIndex { !$0.parameters.isEmpty } ?? model.layers.count
    let widest = widths.max()!

    let count = max(1, min(threads, batch.count))
    parts = try (0..<count).map { t throws(GradientAuditError) in
      let examples = (t * batch.count / count)..<((t + 1) * batch.count / count)
      let own = t == 0 ? gradients : model.parameters.map { Values(count: $0.value.count, precision: precision) }
      let (layers, loss) = try Self.plans(model, layouts: layouts, operands: operands, batch: batch.count, rules: rules, precision: precision)
      return Part(layers: layers, loss: loss, examples: examples, gradients: own, scratch: Values(count: widest, precision: precision))
    }

    for (k, v) in batch.features.enumerated() { activations[0].set(k, to: v) }
    for (b, label) in batch.labels.enumerated() { targets.set(b * model.outputWidth + Int(label), to: Rational(1)) }
    setParameters(model.parameters.map(\.value.scalars))
  }

  /// One thread's plans: each layer's, and the loss's.
  private static func plans(
    _ model: Sequential, layouts: [LayerLayout], operands: [[LayerOperand]], batch: Int, rules: [String: ReplayedRule], precision: Int
  ) throws(GradientAuditError) -> ([LayerPlans<Values>?], LayerPlans<Values>) {
    var plans: [LayerPlans<Values>?] = []
    for (k, (layer, layout)) in zip(model.layers, layouts).enumerated() {
      let kind = LayerBlock(layer)
      let inputs = operands[k].map(\.name)
      if layout.isStorageIdentity {
        plans.append(nil)
        continue
      }
      let examples = layout.batchWide ? [batch] : []
      var shapes: [String: [Int]] = ["dy": examples + layout.output]
      var strides: [String: [Int]] = [:]
      for operand in operands[k] {
        // A binary block's operands share a shape; a part has its own, read through its strides.
        shapes[operand.name] = examples + (operand.part?.shape ?? layout.input)
        if let part = operand.part { strides[operand.name] = part.strides }
      }
      for p in layer.parameters { shapes[String(p.rule.split(separator: ".").last!)] = p.shape }
      let plan = try LayerPlans<Values>.make(
        block: kind.block, ruleNames: kind.ruleNames, operandNames: inputs,
        parameterRules: layer.parameters.map(\.rule), shapes: shapes, strides: strides, dimensions: layout.dimensions, named: layout.constants,
        rules: rules, precision: precision)
      guard plan.forward.forwardIndexCount == examples.count + layout.output.count else {
        throw GradientAuditError.invalidModel(
          "\(layer.name): the output of \(kind.block) has \(plan.forward.forwardIndexCount) indices, the layer's shape \(layout.output)")
      }
      plans.append(plan)
    }
    let lossType = type(of: model.loss)
    let loss = try LayerPlans<Values>.make(
      block: lossType.certifiedBlock, ruleNames: lossType.ruleNames, operandNames: lossType.operandNames,
      parameterRules: [], shapes: [lossType.operandNames[0]: [model.outputWidth], "t": [model.outputWidth]],
      rules: rules, precision: precision)
    return (plans, loss)
  }

  /// Sets every parameter to the given Float32 values (points).
  package func setParameters(_ values: [[Float]]) {
    for (p, v) in zip(parameters, values) { for (k, x) in v.enumerated() { p.set(k, to: x) } }
  }

  /// Sets every parameter to `w + h·v` for Float32 `w` and `v` (enclosed, or rounded in Float64).
  package func setParameters(_ values: [[Float]], plus h: Rational, times direction: [[Float]]) {
    for (p, (w, v)) in zip(parameters, zip(values, direction)) {
      for k in w.indices { p.set(k, w[k], plus: h, times: v[k]) }
    }
  }

  // MARK: - Passes

  /// Every layer's outputs for the whole batch, from the inputs and the current parameters.
  /// A layer at a time, the parts in parallel: a batch-wide layer (batch norm) reads every
  /// example's input.
  package func forward() throws(GradientAuditError) {
    for k in layouts.indices {
      try inParallel { part throws(GradientAuditError) in
        guard let plan = part.layers[k] else { return }  // the identity on storage
        self.bindParameters(plan.forward, layer: k, part)
        let outWidth = self.widths[k + 1]
        let out = self.activations[k + 1]
        if self.layouts[k].batchWide {
          // The rule's first index is the example: the whole batch is bound once.
          plan.forward.bind(plan.inputName, to: self.activations[self.sources[k][0]], offset: 0)
          for b in part.examples {
            plan.forward.setIndex(0, b)
            try forEachIndex(self.layouts[k].output, of: plan.forward, from: 1) { o throws(GradientAuditError) in
              try plan.forward.evaluate(into: out, b * outWidth + o)
            }
          }
          return
        }
        for b in part.examples {
          self.bindOperands(plan.forward, plan, layer: k, example: b)
          try forEachIndex(self.layouts[k].output, of: plan.forward) { o throws(GradientAuditError) in
            try plan.forward.evaluate(into: out, b * outWidth + o)
          }
        }
      }
    }
  }

  /// The batch-mean loss, from the last forward pass: `(1/B) Σ_b L(a_L, t_b)` with the loss's
  /// certified output definition, as Double bounds (outward for an enclosure).
  package func meanLoss() throws(GradientAuditError) -> (lower: Double, upper: Double) {
    let n = widths.last!
    let values = Values(count: 1, precision: precision)
    let total = Values(count: 1, precision: precision)
    for part in parts {
      let loss = part.loss
      for b in part.examples {
        loss.forward.bind(loss.inputName, to: activations.last!, offset: b * n)
        loss.forward.bind("t", to: targets, offset: b * n)
        try loss.forward.evaluate(into: values, 0)
        total.add(0, values, 0)
      }
    }
    total.multiply(0, by: Rational(1, batch))
    return total.doubleBounds(0)
  }

  /// The seeds and every parameter's gradient, from the last forward pass.
  package func backward() throws(GradientAuditError) {
    let n = widths.last!
    let scale = Rational(1, batch)
    let top = seeds[parts[0].layers.count - 1]
    let before = parts.map { part in part.layers.map { ($0?.inputRule?.kinks ?? 0, $0?.inputRule?.undecidedKinks ?? 0) } }
    try inParallel { part throws(GradientAuditError) in
      guard let lossRule = part.loss.inputRule else { throw GradientAuditError.invalidModel("the loss has no gradient rule") }
      for b in part.examples {
        lossRule.bind(part.loss.inputName, to: self.activations.last!, offset: b * n)
        lossRule.bind("t", to: self.targets, offset: b * n)
        for i in 0..<n {
          lossRule.setIndex(0, i)
          try lossRule.evaluate(into: top, b * n + i)
          top.multiply(b * n + i, by: scale)  // the batch mean
        }
      }
      for g in part.gradients { for k in 0..<g.count { g.setZero(k) } }
      // A fanned-out value's seed is summed from its readers' contributions.
      for v in 1..<self.widths.count - 1 where self.isFannedOut[v] && self.needsGradient[v] {
        for b in part.examples { for i in 0..<self.widths[v] { self.seeds[v - 1].setZero(b * self.widths[v] + i) } }
      }
    }
    // A layer at a time (its readers' contributions complete a value's seed before its own layer
    // runs): a batch-wide layer's input rule reads every example's seed.
    for k in stride(from: parts[0].layers.count - 1, through: firstTrainable, by: -1) where needsGradient[k + 1] {
      try inParallel { part throws(GradientAuditError) in try self.backward(layer: k, part) }
    }
    for part in parts.dropFirst() {
      for (total, partial) in zip(gradients, part.gradients) { for k in 0..<total.count { total.add(k, partial, k) } }
    }
    // The input rules ran at layers above the first trainable one; a relu's counts its kinks, a
    // max pool's its tied comparisons.
    for (k, plan) in parts[0].layers.enumerated() {
      guard let plan, plan.inputRule != nil, needsGradient[sources[k][0]], plan.block == "relu" || plan.block.hasPrefix("maxpool") else { continue }
      kinks[k] = parts.indices.reduce(into: (exact: 0, undecided: 0)) { found, p in
        let rule = parts[p].layers[k]!.inputRule!
        found.exact += rule.kinks - before[p][k].0
        found.undecided += rule.undecidedKinks - before[p][k].1
      }
    }
  }

  /// Layer `k`'s parameter gradients summed over the part's examples, and its inputs' gradients.
  private func backward(layer k: Int, _ part: Part) throws(GradientAuditError) {
    guard let plan = part.layers[k] else {
      // The identity on storage: its seed is its input's unless that value has other readers.
      let v = sources[k][0]
      guard needsGradient[v], isFannedOut[v] else { return }
      for b in part.examples { for i in 0..<widths[v] { seeds[v - 1].add(b * widths[v] + i, seeds[k], b * widths[v] + i) } }
      return
    }
    let outWidth = widths[k + 1]
    for (slot, rule) in plan.parameterRules.enumerated() {
      let p = owner.firstIndex { $0.layer == k && $0.slot == slot }!
      try accumulateParameter(rule.plan, layer: k, part, into: part.gradients[p], shape: parameterShapes[p])
    }
    for (slot, rule) in plan.inputRules.enumerated() {
      let operand = operands[k][slot]
      let v = operand.value
      guard needsGradient[v], let inputRule = rule else { continue }
      bindParameters(inputRule, layer: k, part)
      let inWidth = widths[v]
      let below = seeds[v - 1], scratch = part.scratch, summed = isFannedOut[v]
      // Entry `i` of example `b`'s seed; one contribution of several (a fan-out) is evaluated
      // aside, then added, in reader order.
      func write(_ b: Int, _ i: Int) throws(GradientAuditError) {
        if summed {
          try inputRule.evaluate(into: scratch, i)
          below.add(b * inWidth + i, scratch, i)
        } else {
          try inputRule.evaluate(into: below, b * inWidth + i)
        }
      }
      if layouts[k].batchWide {
        inputRule.bindIfRead(plan.inputName, to: activations[v], offset: 0)
        if let seed = plan.seedName { inputRule.bindIfRead(seed, to: seeds[k], offset: 0) }
        for b in part.examples {
          inputRule.setIndex(0, b)
          try forEachIndex(layouts[k].input, of: inputRule, from: 1) { i throws(GradientAuditError) in try write(b, i) }
        }
        continue
      }
      for b in part.examples {
        bindOperands(inputRule, plan, layer: k, example: b)
        if let seed = plan.seedName { inputRule.bindIfRead(seed, to: seeds[k], offset: b * outWidth) }
        if let piece = operand.part {
          // The parts of one value are disjoint and cover its row: each writes its own entries.
          try forEachIndex(piece.shape, of: inputRule) { i throws(GradientAuditError) in try write(b, piece.position(i)) }
        } else {
          try forEachIndex(layouts[k].input, of: inputRule) { i throws(GradientAuditError) in try write(b, i) }
        }
      }
    }
  }

  /// Binds each of layer `k`'s input operands that `formula` reads to its value at example `b`.
  private func bindOperands(_ formula: FormulaPlan<Values>, _ plan: LayerPlans<Values>, layer k: Int, example b: Int) {
    for o in operands[k] { formula.bindIfRead(o.name, to: activations[o.value], offset: b * widths[o.value] + o.offset) }
  }

  /// `gradient += Σ_b rule(example b)` over the part's examples, at every index of the parameter
  /// (row-major, a row along the last axis at a time).
  private func accumulateParameter(
    _ plan: FormulaPlan<Values>, layer k: Int, _ part: Part, into gradient: Values, shape: [Int]
  ) throws(GradientAuditError) {
    bindParameters(plan, layer: k, part)
    let outWidth = widths[k + 1]
    let layerPlans = part.layers[k]!
    guard let row = shape.last else { throw GradientAuditError.invalidModel("\(plan.rule): a scalar parameter is not audited") }
    let rows = shape.dropLast().reduce(1, *)
    // A batch-wide rule sums over the batch itself: evaluated once, by the part with example 0.
    let batchWide = layouts[k].batchWide
    if batchWide && part.examples.lowerBound != 0 { return }
    for b in batchWide ? 0..<1 : part.examples {
      if batchWide {
        plan.bindIfRead(layerPlans.inputName, to: activations[sources[k][0]], offset: 0)
      } else {
        bindOperands(plan, layerPlans, layer: k, example: b)
      }
      if let seed = layerPlans.seedName { plan.bindIfRead(seed, to: seeds[k], offset: b * outWidth) }
      for r in 0..<rows {
        var rest = r
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
          plan.setIndex(axis, rest % shape[axis])
          rest /= shape[axis]
        }
        try plan.accumulateRow(into: gradient, r * row, along: shape.count - 1, count: row)
      }
    }
  }

  private func bindParameters(_ plan: FormulaPlan<Values>, layer k: Int, _ part: Part) {
    for (p, (layer, slot)) in owner.enumerated() where layer == k {
      plan.bindIfRead(part.layers[k]!.parameterRules[slot].operand, to: parameters[p], offset: 0)
    }
  }

  /// Runs `body` once per part, the parts on threads of their own; the first error is rethrown.
  ///
  /// Threads write disjoint elements of the shared activations and seeds (by `copy` and in-place
  /// scaling, which use no scratch) and sum into their own gradient vectors; they only read the
  /// parameters and targets.
  private func inParallel(_ body: (Part) throws(GradientAuditError) -> Void) throws(GradientAuditError) {
    if parts.count == 1 { return try body(parts[0]) }
    let errors = ResultSlots<GradientAuditError?>(count: parts.count, initial: nil)
    withoutActuallyEscaping(body) { body in
      let shared = UncheckedBox((self, body))
      DispatchQueue.concurrentPerform(iterations: parts.count) { t in
        let (enclosure, body) = shared.value
        do throws(GradientAuditError) { try body(enclosure.parts[t]) } catch { errors.set(t, error) }
      }
    }
    if let first = errors.values.compactMap({ $0 }).first { throw first }
  }
}

extension FormulaPlan {
  /// Binds `name` when the formula reads it (a rule need not read every operand: `dense.b` reads
  /// only `dy`).
  func bindIfRead(_ name: String, to vector: Values, offset: Int) {
    if readNames.contains(name) { bind(name, to: vector, offset: offset) }
  }

  /// The number of free indices.
  var forwardIndexCount: Int { freeSlots.count }
}
