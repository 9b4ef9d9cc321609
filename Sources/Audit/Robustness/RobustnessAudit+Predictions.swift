import Exact
import Intervals

extension RobustnessAudit {
  /// The exact network's class for each image (nil where the largest logit is shared), decided
  /// soundly: an image whose true class IBP proves at ε = 0 in Float64 has it; for the others the
  /// Float64 logits' largest class is checked in MPFI (128 bits) at the image, and exact rationals
  /// decide what MPFI leaves open.
  /// - Throws: `AuditError.invalidArgument` when the data does not fit the network.
  public func predictions(_ data: AuditDataset) throws(AuditError) -> [Int?] {
    try check(data)
    let table = try PixelBounds(epsilon: 0)
    let rows = network.classes - 1
    let workspace = FastWorkspace()
    let checker = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 128))
    var result: [Int?] = []
    result.reserveCapacity(data.count)
    var first = 0
    while first < data.count {
      let range = first..<min(data.count, first + FastBounds.batchSize)
      let bounds = fast.intervalBoundPropagation(table.batch(data, range), labels: data.labels[range], keepHidden: false, workspace)
      for (b, index) in range.enumerated() {
        let label = data.labels[index]
        if bounds.marginLower[(b * rows)..<((b + 1) * rows)].allSatisfy({ $0 > 0 }) {
          result.append(label)
          continue
        }
        let x = data.image(index).map { Rational(Int($0), 255) }
        let logits = fast.logits(x.map { Double($0) })
        let guess = logits.indices.max { logits[$0] < logits[$1] }!
        let box = try! InputBox(lower: x, upper: x)
        if checker.intervalBoundPropagation(over: box, trueClass: guess).isCertified {
          result.append(guess)
        } else {
          result.append(network.predictedClass(at: x))
        }
      }
      first = range.upperBound
    }
    return result
  }
}
