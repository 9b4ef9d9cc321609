// CROWN's work saved on the boxes whose verdict it cannot change. Before any intermediate bound
// is tightened, plain IBP over each box and over points of it settle:
//
// - the boxes where some margin is ≤ 0 at a point of the box (the margin's upper bound there, an
//   enclosure): every sound lower bound over the box is ≤ that value, so nothing certifies them.
//   The points are the box's midpoint (the images the network misclassifies, about one in ten on
//   Fashion-MNIST), then, for the boxes still open, one step of FGSM from it (Goodfellow et al.,
//   2015): the corner against the sign of the gradient of the smallest margin at the midpoint
//   (the images a one-step attack breaks). A point only ever settles a box as not certifiable, so
//   the gradient needs no soundness; the corner is taken one Double inside the box's outward
//   rounded bounds, so it lies in the exact box;
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
    let open = (0..<input.count).filter { b in
      let range = (b * rows)..<((b + 1) * rows)
      let refuted = range.contains { ibp.marginUpper[$0] <= 0 || point.marginUpper[$0] <= 0 }
      return !refuted && !range.allSatisfy { ibp.marginLower[$0] > 0 }
    }
    guard !open.isEmpty else { return [] }
    let corners = attackCorners(input, open, from: midpoint, pointMargins: point, labels: labels)
    let attacked = intervalBoundPropagation(
      BoxBatch(count: open.count, width: input.width, lower: corners, upper: corners),
      labels: ArraySlice(open.map { labels[labels.startIndex + $0] }), keepHidden: false, workspace)
    return open.indices.filter { s in !((s * rows)..<((s + 1) * rows)).contains { attacked.marginUpper[$0] <= 0 } }.map { open[$0] }
  }

  /// For each box `boxes[s]` of `input`: the FGSM corner from `point` (a point of every box, each
  /// `input.width` long), `[boxes.count, width]`. Each coordinate moves against the sign of the
  /// gradient (Float64, `FastTransformer.pullback`) of the box's smallest margin at the point
  /// (`pointMargins`: IBP on the points), to its bound one Double inward; where the gradient is 0,
  /// or the bounds are less than two Doubles apart, it stays at the point.
  func attackCorners(
    _ input: BoxBatch, _ boxes: [Int], from point: [Double], pointMargins: BatchBounds, labels: ArraySlice<Int>
  ) -> [Double] {
    let n = input.width, rows = classes - 1, hidden = margins.inputWidth
    var corners: [Double] = []
    corners.reserveCapacity(boxes.count * n)
    for b in boxes {
      let x = Array(point[(b * n)..<((b + 1) * n)])
      var inputs: [[Double]] = []  // each layer's input
      var h = x
      for layer in body {
        inputs.append(h)
        h = layer.forward(h)
      }
      let r = (0..<rows).min { pointMargins.marginUpper[b * rows + $0] < pointMargins.marginUpper[b * rows + $1] }!
      let row = labels[labels.startIndex + b] * rows + r
      var delta = Array(margins.weights[(row * hidden)..<((row + 1) * hidden)])
      for k in body.indices.reversed() { delta = body[k].pullback(delta, at: inputs[k]) }
      for i in 0..<n {
        let lo = input.lower[b * n + i].nextUp, hi = input.upper[b * n + i].nextDown
        corners.append(delta[i] == 0 || !(lo <= hi) ? x[i] : delta[i] > 0 ? lo : hi)
      }
    }
    return corners
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
