/// The bound computations `FastBounds` offers: IBP and CROWN.
public enum BoundMethod: String, Sendable, CaseIterable, Codable {
  /// Interval bound propagation.
  case ibp
  /// Linear relaxation (CROWN) with intermediate bounds from the intersection of IBP and CROWN.
  case crown
}

extension FastBounds {
  /// IBP bounds for each box and its true class, in Float64 with rigorous error terms.
  /// - Precondition: one class per box; each box has `network.inputWidth` coordinates.
  public func intervalBoundPropagation(over boxes: [InputBox], trueClasses: [Int]) -> [NetworkBounds<Double>] {
    bounds(.ibp, over: boxes, trueClasses: trueClasses)
  }

  /// CROWN bounds for each box and its true class, in Float64 with rigorous error terms.
  /// - Precondition: one class per box; each box has `network.inputWidth` coordinates.
  public func crown(over boxes: [InputBox], trueClasses: [Int]) -> [NetworkBounds<Double>] {
    bounds(.crown, over: boxes, trueClasses: trueClasses)
  }

  /// Bounds by `method` for each box, in batches.
  public func bounds(_ method: BoundMethod, over boxes: [InputBox], trueClasses: [Int]) -> [NetworkBounds<Double>] {
    precondition(boxes.count == trueClasses.count, "one true class per box")
    precondition(trueClasses.allSatisfy { (0..<classes).contains($0) }, "a true class outside 0..<\(classes)")
    var results: [NetworkBounds<Double>] = []
    results.reserveCapacity(boxes.count)
    let workspace = FastWorkspace()
    var first = 0
    while first < boxes.count {
      let range = first..<min(boxes.count, first + FastBounds.batchSize)
      let batch = FastBounds.batch(boxes[range], width: network.inputWidth)
      let labels = trueClasses[range]
      let computed = method == .ibp
        ? intervalBoundPropagation(batch, labels: labels, keepHidden: true, workspace)
        : crown(batch, labels: labels, keepHidden: true, onlyUndecided: false, workspace)
      results += split(computed, labels: labels)
      first = range.upperBound
    }
    return results
  }

  /// The boxes' bounds rounded outward to Doubles.
  static func batch(_ boxes: ArraySlice<InputBox>, width: Int) -> BoxBatch {
    var lower: [Double] = [], upper: [Double] = []
    lower.reserveCapacity(boxes.count * width)
    upper.reserveCapacity(boxes.count * width)
    for box in boxes {
      precondition(box.count == width, "a box has \(box.count) coordinates, the network \(width) inputs")
      lower += box.lower.map(Rounding.down)
      upper += box.upper.map(Rounding.up)
    }
    return BoxBatch(count: boxes.count, width: width, lower: lower, upper: upper)
  }

  /// Per-box `NetworkBounds` from a batch's arrays. NaN (no bound) shows as an infinite bound.
  private func split(_ batch: BatchBounds, labels: ArraySlice<Int>) -> [NetworkBounds<Double>] {
    let rows = classes - 1
    return labels.enumerated().map { b, t in
      let widths = batch.hiddenLower.map { $0.count / labels.count }
      func slice(_ values: [Double], _ width: Int, _ replacement: Double) -> [Double] {
        values[(b * width)..<((b + 1) * width)].map { $0.replacingNaN(with: replacement) }
      }
      return NetworkBounds(
        trueClass: t, otherClasses: (0..<classes).filter { $0 != t },
        hiddenLower: zip(batch.hiddenLower, widths).map { slice($0, $1, -.infinity) },
        hiddenUpper: zip(batch.hiddenUpper, widths).map { slice($0, $1, .infinity) },
        marginLower: slice(batch.marginLower, rows, -.infinity),
        marginUpper: slice(batch.marginUpper, rows, .infinity),
        crownMarginLower: batch.crownMarginLower.map { slice($0, rows, -.infinity) })
    }
  }
}
