/// A `BackwardSchedule`'s steps over numbered cotangent slots, as `Sequential.computeGradients`
/// runs them: each contribution and each fan-out sum is a slot, the loss's cotangent another.
struct BackwardPlan {
  struct Step {
    var node: Int
    /// The slot of the cotangent the node reads.
    var read: Int
    /// Per input, the slot its contribution goes to (nil: the input needs none).
    var writes: [Int?]
    /// For a value read more than once, the slots whose sum is `read`, added before the step.
    var sum: [Int]?
  }

  private(set) var steps: [Step] = []
  let lossSlot: Int
  let slotCount: Int

  init(_ schedule: BackwardSchedule) {
    var slots: [String: Int] = [BackwardSchedule.cotangent(of: schedule.lossInput): 0]
    func slot(_ name: String) -> Int {
      if let s = slots[name] { return s }
      slots[name] = slots.count
      return slots.count - 1
    }
    for step in schedule.steps {
      let output = schedule.nodes[step.node].output
      let terms = schedule.sums[output] ?? []
      var planned = Step(node: step.node, read: 0, writes: step.writes.map { $0.map(slot) }, sum: nil)
      if output == schedule.lossInput {
        planned.read = 0
      } else if terms.count == 1 {
        planned.read = slot(terms[0])
      } else {
        planned.read = slot(step.reads)
        planned.sum = terms.map(slot)
      }
      steps.append(planned)
    }
    lossSlot = 0
    slotCount = slots.count
  }

  /// `total = terms[0] + terms[1] + ...`, entry by entry.
  static func add(_ terms: [UnsafeMatrix<Float>], into total: UnsafeMatrix<Float>) {
    let out = total.base
    out.update(from: terms[0].base, count: total.count)
    for term in terms.dropFirst() {
      let t = term.base
      for k in 0..<total.count { out[k] += t[k] }
    }
  }
}

extension Sequential {
  /// Fuses each relu into the max pool that reads it (`MaxPool.fuse`), where the pool is its only
  /// reader: a fused relu passes its input through, which another reader must not see.
  static func fuseRectifiers(_ layers: [any LayerKernels], sources: [[Int]]) {
    var readers = Array(repeating: 0, count: layers.count + 1)
    for reads in sources { for v in reads { readers[v] += 1 } }
    for k in layers.indices.dropLast() where sources[k + 1] == [k + 1] && readers[k + 1] == 1 {
      if let relu = layers[k] as? ReLU, let pool = layers[k + 1] as? MaxPool { pool.fuse(relu) }
    }
  }
}
