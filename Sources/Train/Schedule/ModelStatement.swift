import Algebra

/// The statement of a model certificate, written in the theorem language from a
/// `BackwardSchedule` and the texts of the certified blocks its nodes run:
///
/// - one dimension per independent size (`N1`, `N2`...: symbolic, so the theorems hold at every
///   size; a layer that keeps a size, like relu, shares its input's);
/// - the model's input `a0`, each parameter as a tensor named after it (`dense1_W`), the loss's
///   target `target`, dropout masks;
/// - a `def` per node's output (`a1`...), the block's output formula on the value it reads, then
///   `def loss`;
/// - a `def` per cotangent the schedule writes (`da2`...), the block's rule for that input with
///   `dy` the cotangent the step reads, and a sum where a value is used more than once;
/// - per parameter route, `theorem model.<parameter>: grad(loss, <parameter>)[...] = <the block's
///   rule for it at the step's node, on the cotangent the step reads>`, assuming the side
///   conditions of every node the parameter's value flows through, and of the loss.
///
/// Proving these theorems proves that the schedule's wiring computes the gradient of the loss;
/// a mis-wired schedule gives a false theorem.
struct ModelStatement {
  /// The theorem file's text.
  let text: String
  /// The theorem of each parameter route, in step order.
  let theorems: [(name: String, route: BackwardSchedule.Route, step: Int)]
  /// For each line of `text`, the part of the schedule it was written for (errors name it).
  let origins: [String]

  /// The theorem name of a parameter's gradient.
  static func theoremName(_ parameter: String) -> String { "model." + parameter }

  /// The tensor symbol of a model parameter (`dense1.W` as `dense1_W`).
  static func symbol(_ parameter: String) -> String { parameter.replacingOccurrences(of: ".", with: "_") }

  /// - Parameter blocks: the text of a certified block by name.
  /// - Throws: `ModelCertificateError` naming the node or step the statement cannot be written for.
  init(_ schedule: BackwardSchedule, blocks: (String) throws -> BlockText) throws {
    var writer = try Writer(schedule, blocks: blocks)
    (text, theorems, origins) = try writer.write()
  }

  /// The statements of `text`, by name.
  /// - Throws: `ModelCertificateError.miswired` at the backward step or gradient whose line does not
  ///   read (shapes that do not fit: a gradient routed to a parameter of another shape);
  ///   `.unstated` at the layer whose forward line does not read (the writer's own failure).
  func statements() throws -> [String: Statement] {
    do {
      return try ModelCertificate.parse(text)
    } catch {
      let message = "\(error)"
      let place = message.firstMatch(of: /<model statement>:(\d+):/).flatMap { Int($0.1) }.flatMap { $0 - 1 < origins.count ? origins[$0 - 1] : nil }
      // The cotangents and theorems are written as the schedule wires them: a line of theirs that
      // does not read (a gradient routed to a parameter of another shape) is the schedule's fault.
      // The declarations and the forward definitions are the writer's own.
      if let place, !place.hasPrefix("node "), place != "the declarations", place != "the loss" {
        throw ModelCertificateError.miswired(place: place, reason: message)
      }
      throw ModelCertificateError.unstated(place: place ?? "the statement", reason: message)
    }
  }

  /// Blocks whose first axis is the batch: a model with one is stated over a batch.
  static let batchNativeBlocks: Set<String> = ["batchnorm"]

  private struct Writer {
    let schedule: BackwardSchedule
    var texts: [BlockText?] = []
    let lossText: BlockText
    /// Values a `flatten` node passes on, to the value they are the storage of.
    var alias: [String: String] = [:]
    var classes = DimensionClasses()
    var constants: Set<String> = []
    /// Whether the statement is over a batch: a node couples the examples of a batch (batch
    /// normalization in training), so every value has a leading batch axis `B` and the loss is the
    /// batch's mean (Docs/Semantics.md, "Batch-coupled models").
    let batched: Bool

    init(_ schedule: BackwardSchedule, blocks: (String) throws -> BlockText) throws {
      self.schedule = schedule
      batched = schedule.nodes.contains { ModelStatement.batchNativeBlocks.contains($0.block) }
      for node in schedule.nodes {
        guard node.block != "flatten" else {
          alias[node.output] = alias[node.inputs[0]] ?? node.inputs[0]
          texts.append(nil)
          continue
        }
        // A value (not the model's input, a tensor no rule rebuilds) read at a shifted index, with
        // its range stated in the guard of the sum that reads it (`guardingShiftedReads`):
        // `chain-def` then rebuilds the layer as it is written. Such a value is pinned (below), so
        // the guard leaves out only zeros; an attention's reads are not pinned, and not shifted.
        let block = try blocks(node.block)
        let alias = self.alias, input = schedule.input
        let values = node.block == "attention_heads" ? [] : zip(block.inputs, node.inputs).filter { (alias[$1] ?? $1) != input }.map(\.0.name)
        let text = block.guardingShiftedReads(of: Set(values))
        // A size written as an expression (`y[i: n - 1]`, `2 * n`) has no dimension of its own
        // to stand for it in the statement.
        let sizes = text.inputs.flatMap(\.shape) + text.output.binders.map(\.dimension)
        if let size = sizes.first(where: { !$0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) {
          throw ModelCertificateError.unsupported(node: node.name, reason: "its block has the size \(size), which the model statement cannot name yet")
        }
        guard text.inputs.count >= node.inputs.count, text.output.binders.count > 0 else {
          throw ModelCertificateError.unsupported(node: node.name, reason: "block \(node.block) does not take \(node.inputs.count) input(s) to a tensor")
        }
        texts.append(text)
      }
      lossText = batched ? try blocks(schedule.loss).batchedLoss(node: "loss") : try blocks(schedule.loss)
      guard lossText.output.binders.isEmpty, let target = lossText.inputs.dropFirst().first else {
        throw ModelCertificateError.unsupported(node: "loss", reason: "block \(schedule.loss) is not a loss (a scalar of an input and a target)")
      }
      _ = target
    }

    func value(_ v: String) -> String { alias[v] ?? v }
    /// Contributions written in place rather than named (`inlined`): their indices and body.
    var inlined: [String: (indices: [String], body: String)] = [:]
    func cotangent(_ c: String) -> String {
      // A flatten node's output cotangent is its input's, read on the image's indices.
      guard c.hasPrefix("d") else { return c }
      let v = String(c.dropFirst())
      return alias[v].map(BackwardSchedule.cotangent(of:)) ?? c
    }

    /// Unifies the sizes each node's block gives its input and output values.
    mutating func unifyDimensions() throws {
      let alias = self.alias
      texts = try ModelStatement.tokenShaped(texts, schedule, value: { alias[$0] ?? $0 })
      // Over a batch, the batch's class is named `B`, and each value's first axis is it.
      let batch = "batch"
      if batched { classes.assign(batch, name: "B") }
      for (k, node) in schedule.nodes.enumerated() {
        guard var text = texts[k] else { continue }
        // An elementwise block over an image (relu after a convolution) reads it as its storage.
        if let rank = classes.rank(of: value(node.inputs[0])).map({ batched ? $0 - 1 : $0 }), text.inputs[0].shape.count == 1, rank > 1 {
          text = try text.lifted(toRank: rank, node: node.name)
          texts[k] = text
        }
        if batched {
          // A batch-native block (batch norm, `x[N, C, H, L]`) reads the batch as its first axis;
          // any other block is applied to every example.
          if !ModelStatement.batchNativeBlocks.contains(node.block) { text = try text.batched(node: node.name) } else { text = text.guardingChannel() }
          texts[k] = text
          try classes.unify("n\(k):\(text.inputs[0].shape[0])", batch, node: node.name)
        }
        for (slot, input) in node.inputs.enumerated() {
          for (axis, d) in text.inputs[slot].shape.enumerated() { try classes.unify("v:\(value(input)):\(axis)", "n\(k):\(d)", node: node.name) }
          try classes.rank(value(input), text.inputs[slot].shape.count, node: node.name)
        }
        for (axis, b) in text.output.binders.enumerated() { try classes.unify("v:\(node.output):\(axis)", "n\(k):\(b.dimension)", node: node.name) }
        try classes.rank(node.output, text.output.binders.count, node: node.name)
      }
      // An attention's input is each token's query, key and value: its part axis is 3 in every
      // model the trainer builds, and stated so. As a dimension symbol it would be any size, and
      // `chain` would put the value back at the parts 1 and 2 bracketed by their range.
      for (k, node) in schedule.nodes.enumerated() where node.block == "attention_heads" { classes.fix("n\(k):\(BlockText.attentionParts)", size: 3) }
      if batched { try classes.unify("loss:\(BlockText.batchDimension)", batch, node: "loss") }
      for (axis, d) in lossText.inputs[0].shape.enumerated() { try classes.unify("v:\(value(schedule.lossInput)):\(axis)", "loss:\(d)", node: "loss") }
      try classes.rank(value(schedule.lossInput), lossText.inputs[0].shape.count, node: "loss")
    }

    /// The renaming of node `k`'s block into the model's names (`owner` "n<k>" or "loss").
    func names(_ text: BlockText, owner: String, node: BackwardSchedule.Node?, dy: String?) -> [String: String] {
      var map: [String: String] = [:]
      for d in text.dimensions { map[d] = classes.name(of: "\(owner):\(d)") }
      if let node {
        for (slot, input) in node.inputs.enumerated() { map[text.inputs[slot].name] = value(input) }
        for extra in text.inputs.dropFirst(node.inputs.count) { map[extra.name] = "\(node.name)_\(extra.name)" }
        for p in node.parameters { map[p.tensor] = ModelStatement.symbol(p.parameter) }
        map[text.output.name] = node.output
        for d in text.definitions { map[BlockText.definedName(d.text)] = "\(node.name)_\(BlockText.definedName(d.text))" }
      } else {
        map[text.inputs[0].name] = value(schedule.lossInput)
        map[text.inputs[1].name] = "target"
      }
      // Dropout's keep probability, the constant `p` of its block (a bound index elsewhere).
      if node?.block == "dropout" { map["p"] = "keep" }
      if let dy { map["dy"] = dy }
      return map
    }

    /// `i: N1, j: N2` for `indices` over the shape `shape` of a block tensor.
    func binders(_ indices: [String], _ shape: [String], owner: String) -> String {
      zip(indices, shape).map { "\($0): \(classes.name(of: "\(owner):\($1)"))" }.joined(separator: ", ")
    }

    /// For each value some block reads at an index that is not a bound name, those axes.
    func axesReadOutsideBinders() -> [String: Set<Int>] {
      var axes: [String: Set<Int>] = [:]
      // An attention's only reads at other indices than bound names are its input's query, key
      // and value parts (0, 1, 2), an axis of size 3 in every model the trainer builds: never
      // outside the shape.
      for (k, node) in schedule.nodes.enumerated() where node.block != "attention_heads" {
        guard let text = texts[k] else { continue }
        for (slot, input) in node.inputs.enumerated() {
          axes[value(input), default: []].formUnion(text.axesReadOutsideBinders(of: text.inputs[slot].name))
        }
      }
      axes[value(schedule.lossInput), default: []].formUnion(lossText.axesReadOutsideBinders(of: lossText.inputs[0].name))
      return axes.filter { !$0.value.isEmpty }
    }

    mutating func write() throws -> (String, [(name: String, route: BackwardSchedule.Route, step: Int)], [String]) {
      try unifyDimensions()
      // A node's output is a `def`, which read outside its shape is its body; the trainer's layers
      // read 0 there (a convolution's padding), as the blocks' tensor inputs are. Where a block may
      // read outside, the value is 0 outside its shape (below), so the statement is the trained model.
      let guarded = axesReadOutsideBinders()
      // Values written as pinned sums (not the input, a tensor); their dimensions are named where
      // the conditions are written (classes are numbered in the order they are first named).
      let pinnedValues = guarded.keys.filter { $0 != value(schedule.input) }
      var tensors = ["a0[\(classes.shape(of: value(schedule.input)))]"]
      var forward: [(String, String)] = [], backward: [(String, String)] = [], theorems: [(String, String)] = []
      var named: [(name: String, route: BackwardSchedule.Route, step: Int)] = []
      for (k, node) in schedule.nodes.enumerated() {
        guard let text = texts[k] else { continue }
        let owner = "n\(k)", map = names(text, owner: owner, node: node, dy: nil)
        for p in node.parameters {
          guard let declared = text.parameters.first(where: { $0.name == p.tensor }) else {
            throw ModelCertificateError.miswired(place: "node \(node.name)", reason: "block \(node.block) has no parameter \(p.tensor) (route \(p.parameter))")
          }
          tensors.append("\(ModelStatement.symbol(p.parameter))[\(declared.shape.map { classes.name(of: "\(owner):\($0)") }.joined(separator: ", "))]")
        }
        for extra in text.inputs.dropFirst(node.inputs.count) {
          tensors.append("\(node.name)_\(extra.name)[\(extra.shape.map { classes.name(of: "\(owner):\($0)") }.joined(separator: ", "))]")
        }
        let inside = text.definitions.filter { !$0.afterOutput }.map { BlockText.renaming($0.text, map) }
        for d in inside { forward.append(("def " + d, "node \(node.name)")) }
        let b = text.output.binders
        var formula = BlockText.renaming(text.output.formula, map)
        if ModelStatement.blocksWithInlinedDefinitions.contains(node.block) { formula = ModelStatement.inliningDefinitions(inside, in: formula) }
        // Written as a sum over the value's own range, pinned to the index read, rather than as a
        // bracket: the relu conditions of its body are then required only inside the range (the
        // engine records them under the sum's guard), as the layers state them. Every axis is
        // pinned, not only those read outside: a condition under the pinned sum must not mention
        // the outer indices (a max pool's channel `c`), or `discharge` cannot cover it by the
        // layer's stated `forall` (its nested-forall case needs the body free of them).
        let axes = (guarded[node.output] ?? []).contains { $0 < b.count } ? Array(b.indices) : []
        let inner = Dictionary(uniqueKeysWithValues: axes.map { (b[$0].index, b[$0].index + "_in") })
        let range = axes.map { "\(b[$0].index)_in: \(classes.name(of: "\(owner):\(b[$0].dimension)"))" }.joined(separator: ", ")
        let pinned = axes.map { "\(b[$0].index)_in == \(b[$0].index)" }.joined(separator: ", ")
        // A sum's body is one product: a formula of several terms (max pooling's `a + relu(b)`)
        // goes in parentheses, or its later terms would be read outside the sum.
        let body = BlockText.renaming(formula, inner)
        forward.append(("def \(node.output)[\(binders(b.map(\.index), b.map(\.dimension), owner: owner))] = "
          + (axes.isEmpty ? formula : "sum(\(range) | \(pinned)) " + (BlockText.isOneProduct(body) ? body : "(\(body))")), "node \(node.name)"))
        if text.output.formula.contains("eps") || text.assumptions.contains(where: { $0.contains("eps") }) { constants.insert("eps") }
        if node.block == "dropout" { constants.insert("keep") }
      }
      tensors.append("target[\(lossText.inputs[1].shape.map { classes.name(of: "loss:\($0)") }.joined(separator: ", "))]")
      let lossMap = names(lossText, owner: "loss", node: nil, dy: nil)
      forward.append(("def loss = " + BlockText.renaming(lossText.output.formula, lossMap), "the loss"))
      guard let lossRule = lossText.rule(lossText.inputs[0].name) else {
        throw ModelCertificateError.unsupported(node: "loss", reason: "block \(schedule.loss) has no rule for its input")
      }
      backward.append(("def \(BackwardSchedule.cotangent(of: value(schedule.lossInput)))[\(binders(lossRule.indices, lossText.inputs[0].shape, owner: "loss"))] = \(BlockText.renaming(lossRule.formula, lossMap))", "the loss's cotangent"))

      var summed: Set<String> = []
      for (s, step) in schedule.steps.enumerated() {
        let node = schedule.nodes[step.node]
        let place = "schedule step \(s) (node \(node.name))"
        guard step.writes.count == node.inputs.count else { throw ModelCertificateError.miswired(place: place, reason: "\(step.writes.count) cotangents written for \(node.inputs.count) inputs") }
        // A step reads the cotangent of its node's output and writes contributions that its
        // inputs' sums use: anything else is wired to another place than the node it runs.
        guard step.reads == BackwardSchedule.cotangent(of: node.output) else {
          throw ModelCertificateError.miswired(place: place, reason: "it reads \(step.reads), but its node writes \(node.output), whose cotangent is \(BackwardSchedule.cotangent(of: node.output))")
        }
        for (input, write) in zip(node.inputs, step.writes) {
          guard let write, schedule.sums[input]?.contains(write) != true else { continue }
          throw ModelCertificateError.miswired(place: place, reason: "it writes \(write) for \(input), but no sum into \(BackwardSchedule.cotangent(of: input)) uses it")
        }
        // The cotangent read: where several contributions add up, their sum is defined first.
        let read = cotangent(step.reads)
        let readValue = String(read.dropFirst())
        if let terms = schedule.sums[readValue], terms.count > 1 || terms.first != read, summed.insert(read).inserted {
          let shape = classes.shapeClasses(of: readValue)
          let indices = shape.indices.map { "j\($0 + 1)" }
          let at = indices.joined(separator: ", ")
          backward.append(("def \(read)[\(zip(indices, shape).map { "\($0): \($1)" }.joined(separator: ", "))] = " + terms.map { "\(cotangent($0))[\(at)]" }.joined(separator: " + "), "the sum of \(readValue)'s cotangents, read at \(place)"))
        }
        guard let text = texts[step.node] else {
          // flatten: its input's cotangent is its output's, on the image's indices.
          continue
        }
        let owner = "n\(step.node)", map = names(text, owner: owner, node: node, dy: read)
        for d in text.definitions where d.afterOutput { backward.append(("def " + BlockText.renaming(d.text, map), place)) }
        for (slot, write) in step.writes.enumerated() {
          guard let write else { continue }
          let input = text.inputs[slot]
          guard let rule = text.rule(input.name) else { throw ModelCertificateError.miswired(place: place, reason: "block \(node.block) has no rule for its input \(input.name)") }
          // A contribution that is the cotangent read times a number (an add's, a position
          // embedding's, a mean's `(1 / T) * dy[d]`) is written where it is read, not named: two
          // such definitions (an add's two inputs) are one body under two names, which the chain
          // proof could recognise as the wrong one, and the proof's normal form moves a number
          // out of the place where it would recognise a mean's.
          if ModelStatement.readsOnlySeed(rule.formula) {
            inlined[cotangent(write)] = (rule.indices, BlockText.renaming(rule.formula, map))
            continue
          }
          backward.append(("def \(cotangent(write))[\(binders(rule.indices, input.shape, owner: owner))] = \(BlockText.renaming(rule.formula, map))", place))
        }
        for route in step.gradients {
          guard let rule = text.rule(route.tensor) else { throw ModelCertificateError.miswired(place: place, reason: "block \(node.block) has no rule \(route.rule) (for \(route.parameter))") }
          let name = ModelStatement.theoremName(route.parameter)
          let assumptions = (downstream(of: step.node).flatMap { k -> [String] in
            guard let t = texts[k] else { return [] }
            let m = names(t, owner: "n\(k)", node: schedule.nodes[k], dy: nil)
            let pinned = Dictionary(uniqueKeysWithValues: pinnedValues.map { ($0, classes.shapeClasses(of: $0)) })
            return t.assumptions.map { ModelStatement.bracketingPinnedReads(BlockText.renaming($0, m), pinned: pinned) }
          } + lossText.assumptions.map { BlockText.renaming($0, lossMap) })
          let gradientPlace = "the gradient of \(route.parameter) at \(place)"
          theorems.append(("theorem \(name): grad(loss, \(ModelStatement.symbol(route.parameter)))[\(rule.indices.joined(separator: ", "))] = \(BlockText.renaming(rule.formula, map))", gradientPlace))
          theorems += assumptions.map { ("  assume " + $0, gradientPlace) }
          named.append((name, route, s))
        }
      }
      var lines = ["# The model certificate's statement (generated from the backward schedule: Docs/Semantics.md)"]
      lines.append("dim " + classes.names.joined(separator: ", "))
      if !constants.isEmpty { lines.append("const " + constants.sorted().joined(separator: ", ")) }
      lines.append("tensor " + tensors.joined(separator: ", "))
      let all = lines.map { ($0, "the declarations") } + forward + backward.map { (inline($0.0), $0.1) } + theorems.map { (inline($0.0), $0.1) }
      return (all.map(\.0).joined(separator: "\n") + "\n", named, all.map(\.1))
    }

    func inline(_ text: String) -> String { ModelStatement.inline(text, inlined) }

    /// Node `k` and every node its output flows into, in forward order.
    func downstream(of k: Int) -> [Int] {
      var reached: Set<String> = [schedule.nodes[k].output], out = [k]
      for (j, node) in schedule.nodes.enumerated() where j > k && node.inputs.contains(where: reached.contains) {
        reached.insert(node.output)
        out.append(j)
      }
      return out
    }
  }
}
