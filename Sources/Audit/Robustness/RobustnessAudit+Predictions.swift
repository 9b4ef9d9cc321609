import Exact

extension RobustnessAudit {
  /// The exact network's class for each image (nil where the largest logit is shared), decided
  /// soundly: Float64 IBP at ε = 0 (rigorous error terms) proves the true class of most images;
  /// for the others it checks the Float64 logits' largest class the same way; exact rationals
  /// decide the near-ties left.
  /// - Throws: `AuditError.invalidArgument` when the data does not fit the network.
  public func predictions(_ data: AuditDataset) throws(AuditError) -> [Int?] {
    try check(data)
    let table = try PixelBounds(epsilon: 0)
    var result = [Int?](repeating: nil, count: data.count)
    var open: [Int] = [], guesses: [Int] = []
    for (index, proven) in provenClasses(data, table: table, labels: data.labels, indices: Array(0..<data.count)).enumerated() {
      if proven {
        result[index] = data.labels[index]
      } else {
        let logits = fast.logits(data.image(index).map { Double($0) / 255 })
        open.append(index)
        guesses.append(logits.indices.max { logits[$0] < logits[$1] }!)
      }
    }
    for (k, proven) in provenClasses(data, table: table, labels: guesses, indices: open).enumerated() {
      let index = open[k]
      result[index] = proven ? guesses[k] : network.predictedClass(at: data.image(index).map { Rational(Int($0), 255) })
    }
    return result
  }

  /// For each image of `indices`, whether Float64 IBP at the image proves `labels[k]` is its
  /// class (every other logit strictly below), in batches.
  private func provenClasses(_ data: AuditDataset, table: PixelBounds, labels: [Int], indices: [Int]) -> [Bool] {
    let rows = network.classes - 1
    let workspace = FastWorkspace()
    var result: [Bool] = []
    var first = 0
    while first < indices.count {
      let range = first..<min(indices.count, first + FastBounds.batchSize)
      let subset = data.subset(indices[range])
      let bounds = fast.intervalBoundPropagation(
        table.batch(subset, 0..<subset.count), labels: labels[range], keepHidden: false, workspace)
      for b in 0..<range.count { result.append(bounds.marginLower[(b * rows)..<((b + 1) * rows)].allSatisfy { $0 > 0 }) }
      first = range.upperBound
    }
    return result
  }
}
