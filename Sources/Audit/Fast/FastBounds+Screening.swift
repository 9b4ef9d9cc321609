// CROWN's work saved on the boxes whose verdict it cannot change. Before any intermediate bound
// is tightened, plain IBP over each box and over one point of it (its midpoint) settle:
//
// - the boxes where some margin is ≤ 0 at the point (the margin's upper bound there, an
//   enclosure): every sound lower bound over the box is ≤ that value, so nothing certifies them.
//   These include the images the network misclassifies (about one in ten on Fashion-MNIST);
// - the boxes where IBP bounds some margin ≤ 0 over the whole box, likewise;
// - the boxes IBP certifies (every margin's lower bound > 0): CROWN can only agree.
//
// Only the others run CROWN; the settled ones keep IBP's bounds (`crown`'s `onlyUndecided`).

extension FastBounds {
  /// The indices of the boxes of `input` whose verdict CROWN may still decide, given plain IBP's
  /// margin bounds `ibp` over them.
  func undecidedBoxes(_ input: BoxBatch, ibp: BatchBounds, labels: ArraySlice<Int>, _ workspace: FastWorkspace) -> [Int] {
    let rows = classes - 1
    // Any point of the box will do; its midpoint, or its lower corner where the sum overflows.
    let midpoint = zip(input.lower, input.upper).map { lo, hi in
      let m = (lo + hi) / 2
      return lo <= m && m <= hi ? m : lo
    }
    let point = intervalBoundPropagation(
      BoxBatch(count: input.count, width: input.width, lower: midpoint, upper: midpoint), labels: labels, keepHidden: false, workspace)
    return (0..<input.count).filter { b in
      let range = (b * rows)..<((b + 1) * rows)
      let refuted = range.contains { ibp.marginUpper[$0] <= 0 || point.marginUpper[$0] <= 0 }
      return !refuted && !range.allSatisfy { ibp.marginLower[$0] > 0 }
    }
  }

  /// The boxes `indices` of `input`, in that order.
  func boxes(_ input: BoxBatch, _ indices: [Int]) -> BoxBatch {
    let n = input.width
    var lower: [Double] = [], upper: [Double] = []
    lower.reserveCapacity(indices.count * n)
    upper.reserveCapacity(indices.count * n)
    for b in indices {
      lower.append(contentsOf: input.lower[(b * n)..<((b + 1) * n)])
      upper.append(contentsOf: input.upper[(b * n)..<((b + 1) * n)])
    }
    return BoxBatch(count: indices.count, width: n, lower: lower, upper: upper)
  }
}
