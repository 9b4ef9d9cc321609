// MARK: - Batches of boxes

/// Bounds for a batch of `count` boxes: each array row-major, one row per box.
struct BoxBatch {
  var count: Int
  var width: Int
  var lower: [Double]
  var upper: [Double]
}

/// The bounds a batch computation returns.
struct BatchBounds {
  /// Per hidden layer, `[count, width]` pre-activation bounds (empty unless asked for).
  var hiddenLower: [[Double]] = []
  var hiddenUpper: [[Double]] = []
  /// `[count, classes − 1]` margin bounds for each box's true class.
  var marginLower: [Double] = []
  var marginUpper: [Double] = []
  /// CROWN's own margin lower bounds (CROWN only; NaN where not computed).
  var crownMarginLower: [Double]? = nil
}

/// `max(a, b)` that returns NaN when either is NaN (Swift's `max` may drop a NaN).
@inline(__always)
func maximumPropagatingNaN(_ a: Double, _ b: Double) -> Double {
  a >= b ? a : (b >= a ? b : .nan)
}

/// `max(a, b)` for tightening a lower bound `a` by a candidate `b`: a NaN candidate is ignored.
@inline(__always)
func tightenedLower(_ a: Double, by b: Double) -> Double { b > a ? b : a }

/// `min(a, b)` for tightening an upper bound `a` by a candidate `b`: a NaN candidate is ignored.
@inline(__always)
func tightenedUpper(_ a: Double, by b: Double) -> Double { b < a ? b : a }

/// An uninitialized array of `count` Doubles, filled by `body`.
@inline(__always)
func makeArray(_ count: Int, _ body: (UnsafeMutablePointer<Double>) -> Void) -> [Double] {
  [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
    if count > 0 { body(buffer.baseAddress!) }
    initialized = count
  }
}

extension FastBounds {
  /// The margin bounds of each box's true class, from bounds on the last hidden layer's outputs.
  func marginBounds(_ hidden: BoxBatch, labels: ArraySlice<Int>, _ workspace: FastWorkspace) -> (lower: [Double], upper: [Double]) {
    let all = margins.propagate(hidden, workspace)
    let rows = classes - 1
    var lower = [Double](repeating: 0, count: hidden.count * rows)
    var upper = lower
    for (b, t) in labels.enumerated() {
      for r in 0..<rows {
        lower[b * rows + r] = all.lower[b * all.width + t * rows + r]
        upper[b * rows + r] = all.upper[b * all.width + t * rows + r]
      }
    }
    return (lower, upper)
  }

  /// IBP for a batch: boxes pushed through each layer's transformer, margins through the folded
  /// head; the hidden bounds kept are those of each non-affine layer's input.
  func intervalBoundPropagation(
    _ input: BoxBatch, labels: ArraySlice<Int>, keepHidden: Bool, _ workspace: FastWorkspace
  ) -> BatchBounds {
    var result = BatchBounds()
    var h = input
    for (k, layer) in body.enumerated() {
      h = layer.propagate(h, workspace)
      if keepHidden && !network.layers[k + 1].isAffine {
        result.hiddenLower.append(h.lower)
        result.hiddenUpper.append(h.upper)
      }
    }
    (result.marginLower, result.marginUpper) = marginBounds(h, labels: labels, workspace)
    return result
  }
}
