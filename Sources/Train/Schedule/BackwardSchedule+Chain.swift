extension BackwardSchedule {
  /// One layer of a chain, as `chain(_:loss:)` takes it.
  public struct ChainLayer: Sendable, Equatable {
    public var name: String
    public var block: String
    public var gradients: [Route]

    public init(name: String, block: String, gradients: [Route]) { (self.name, self.block, self.gradients) = (name, block, gradients) }
  }

  /// The schedule of `layers` applied in order, then the loss block `loss`: value `a0` is the
  /// input, layer `k` (from 1) writes `a<k>`. The backward pass runs from the top down to the
  /// first layer with parameters, which writes no input cotangent: below it nothing is trained.
  public static func chain(_ layers: [ChainLayer], loss: String) -> BackwardSchedule {
    let value = { (k: Int) in "a\(k)" }
    let nodes = layers.enumerated().map { k, layer in
      Node(name: layer.name, block: layer.block, inputs: [value(k)], output: value(k + 1), parameters: layer.gradients)
    }
    let firstTrainable = layers.firstIndex { !$0.gradients.isEmpty } ?? layers.count
    var steps: [Step] = [], sums: [String: [String]] = [:]
    for k in stride(from: layers.count - 1, through: firstTrainable, by: -1) {
      let below = k > firstTrainable ? cotangent(of: value(k)) : nil
      steps.append(Step(node: k, reads: cotangent(of: value(k + 1)), writes: [below], gradients: layers[k].gradients))
      if let below { sums[value(k)] = [below] }
    }
    return BackwardSchedule(nodes: nodes, input: value(0), loss: loss, lossInput: value(layers.count), steps: steps, sums: sums)
  }
}
