import Exact
import Train

// A targeted projected-gradient search on one margin `z_label − z_j` of a `ReLUChain`, in plain
// Float64, started where branch and bound points: at the minimizing corners of the relaxed bound
// (the relaxation's optimum, projected to the box), at the centre and at random points. The
// untargeted attack (`PGDAttack`) follows the largest wrong logit only; an image whose open
// margin is another class's is missed by it. A point found here is only a candidate: it is
// reported after the exact check of `PGDAttack.checkedCounterexample`.

/// Minimizes one margin over the box `[lower, upper]` (already rounded inward to Doubles).
struct MarginAttack {
  let chain: ReLUChain
  /// `c` on the last ReLU layer's output and the constant `γ₀` of the margin.
  let coefficients: [Double]
  let constant: Double
  let lower: [Double]
  let upper: [Double]

  /// The margin at `x` and its gradient in `x`.
  func marginGradient(_ x: [Double]) -> (margin: Double, gradient: [Double]) {
    var inputs: [[Double]] = []
    var h = x
    for layer in chain.dense {
      inputs.append(h)
      let m = layer.inputWidth
      var z = layer.biasLower
      layer.weights.withUnsafeBufferPointer { w in
        for j in 0..<layer.outputWidth {
          var sum = 0.0
          for i in 0..<m { sum += w[j * m + i] * h[i] }
          z[j] += sum
        }
      }
      h = z.map { max($0, 0) }
    }
    var margin = constant
    for j in h.indices { margin += coefficients[j] * h[j] }
    var delta = coefficients
    for k in stride(from: chain.dense.count - 1, through: 0, by: -1) {
      let layer = chain.dense[k], m = layer.inputWidth
      // h_k > 0 exactly where z_k > 0: the ReLU passes the gradient there.
      let active = k + 1 < inputs.count ? inputs[k + 1] : h
      var next = [Double](repeating: 0, count: m)
      layer.weights.withUnsafeBufferPointer { w in
        for j in 0..<layer.outputWidth where active[j] > 0 && delta[j] != 0 {
          let d = delta[j]
          for i in 0..<m { next[i] += d * w[j * m + i] }
        }
      }
      delta = next
    }
    return (margin, delta)
  }

  /// Signed-gradient descent from `start` (clipped to the box) for `steps` steps with a step
  /// shrinking linearly from a quarter of the box's width; the point of smallest margin seen.
  func descend(from start: [Double], steps: Int) -> (point: [Double], margin: Double) {
    var x = zip(start, zip(lower, upper)).map { min(max($0, $1.0), $1.1) }
    let width = zip(lower, upper).map { $1 - $0 }.max() ?? 0
    var best = x, bestMargin = Double.infinity
    for t in 0..<steps {
      let (margin, gradient) = marginGradient(x)
      if margin < bestMargin {
        bestMargin = margin
        best = x
      }
      if margin < 0 { break }
      let step = width * (0.25 * Double(steps - t) / Double(steps) + 0.005)
      for i in x.indices where gradient[i] != 0 {
        x[i] = min(max(x[i] + (gradient[i] > 0 ? -step : step), lower[i]), upper[i])
      }
    }
    let last = marginGradient(x).margin
    return last < bestMargin ? (x, last) : (best, bestMargin)
  }
}

extension BranchAndBound {
  /// A counterexample for margin row `r`, checked exactly, from targeted searches started at each
  /// of `starts` (the relaxation's minimizing corners), the centre (if `centre`) and `randomStarts`
  /// random points.
  func targetedCounterexample(
    box: InputBox, label: Int, marginRow r: Int, starts: [[Double]], randomStarts: Int, steps: Int, seed: UInt64,
    centre: Bool = true
  ) -> [Rational]? {
    let lower = box.lower.map(Rounding.up), upper = box.upper.map(Rounding.down)
    guard !zip(lower, upper).contains(where: { $0 > $1 }) else { return nil }
    let start = fast.marginStart(label: label, marginRow: r)
    let search = MarginAttack(chain: chain, coefficients: Array(start.coefficients), constant: start.constant, lower: lower, upper: upper)
    var points = starts
    if centre { points.append(zip(lower, upper).map { ($0 + $1) / 2 }) }
    var random = RandomSource(seed: seed)
    for _ in 0..<randomStarts {
      points.append(zip(lower, upper).map { l, u in l + (u - l) * random.uniform() })
    }
    for point in points {
      let found = search.descend(from: point, steps: steps)
      if found.margin <= 0, let exact = attack.checkedCounterexample(found.point, label: label, box: box) { return exact }
    }
    return nil
  }
}
