extension BackwardSchedule {
  /// The schedule of a graph-shaped model: layer `k` reads the values `reads[k]` (0 the input,
  /// `j + 1` layer `j`'s output, each below `k + 1`) and writes `a<k+1>`; the loss reads the last.
  ///
  /// A value has a cotangent when it depends on a parameter; a node's step runs when its output
  /// does, from the last node down (every reader of a value runs before its writer), and writes a
  /// contribution for each input that has a cotangent. A value read once receives that one
  /// contribution, named as in a chain (`da3`); a value read `m` times (a fan-out) receives the
  /// sum of `da3_1` ... `da3_m`, in step order. For a chain this is `chain(_:loss:)` exactly.
  public static func graph(_ layers: [ChainLayer], reads: [[Int]], loss: String) -> BackwardSchedule {
    precondition(reads.count == layers.count && reads.enumerated().allSatisfy { k, r in !r.isEmpty && r.allSatisfy { $0 <= k } },
                 "each layer reads values written before it")
    let value = { (k: Int) in "a\(k)" }
    let nodes = layers.enumerated().map { k, layer in
      Node(name: layer.name, block: layer.block, inputs: reads[k].map(value), output: value(k + 1), parameters: layer.gradients)
    }
    var hasCotangent = Array(repeating: false, count: layers.count + 1)
    for k in layers.indices { hasCotangent[k + 1] = !layers[k].gradients.isEmpty || reads[k].contains { hasCotangent[$0] } }
    // Each value's readers, in step order, to name their contributions.
    var readers: [Int: [(node: Int, slot: Int)]] = [:]
    for k in layers.indices.reversed() where hasCotangent[k + 1] {
      for (slot, v) in reads[k].enumerated() where hasCotangent[v] { readers[v, default: []].append((k, slot)) }
    }
    func contribution(_ v: Int, node: Int, slot: Int) -> String {
      let all = readers[v]!
      guard all.count > 1 else { return cotangent(of: value(v)) }
      return cotangent(of: value(v)) + "_\(all.firstIndex { $0 == (node, slot) }! + 1)"
    }
    var steps: [Step] = [], sums: [String: [String]] = [:]
    for k in layers.indices.reversed() where hasCotangent[k + 1] {
      let writes = reads[k].enumerated().map { slot, v in hasCotangent[v] ? contribution(v, node: k, slot: slot) : nil }
      steps.append(Step(node: k, reads: cotangent(of: value(k + 1)), writes: writes, gradients: layers[k].gradients))
    }
    for (v, all) in readers { sums[value(v)] = all.map { contribution(v, node: $0.node, slot: $0.slot) } }
    return BackwardSchedule(nodes: nodes, input: value(0), loss: loss, lossInput: value(layers.count), steps: steps, sums: sums)
  }
}
