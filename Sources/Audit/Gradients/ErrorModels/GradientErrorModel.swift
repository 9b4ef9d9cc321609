import Intervals
import Train

/// A layer kind's floating-point error model: how far its Float32 kernels can put their outputs
/// (forward) and gradients (backward) from the exact values, given bounds on the errors of what
/// they read. Each layer kind the gradient audit accepts conforms (`Dense+GradientErrorModel.swift`,
/// ...); a layer without a conformance is refused by name before the audit starts, never given an
/// infinite bound. The rounding model and constants are `GradientErrorBound`'s.
protocol GradientErrorModel: Layer {
  /// An entrywise bound on `|ŷ − y|` for this layer's outputs (at `position` in the model), where
  /// `input` bounds the error of its Float32 input.
  func forwardError(at position: Int, input: [Double], _ p: ErrorPropagation) -> [Double]

  /// Entrywise bounds on the errors of this layer's input gradient (`dx`, needed only when
  /// `needsInput`) and of each of its parameters' gradients (in `parameters` order), where `dy`
  /// bounds the error of its Float32 output gradient.
  func backwardError(at position: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]])
}

/// A loss's floating-point error model: a bound on the error of the seed `∂L/∂output` the trainer
/// computes, given the bound `logits` on the error of its Float32 input.
protocol LossErrorModel: Loss {
  func seedError(logits: [Double], _ p: ErrorPropagation) -> [Double]
}

/// What the error models read: sizes, and upper bounds on the magnitudes of the exact activations
/// and seeds (from the enclosure), with the forward errors found so far.
struct ErrorPropagation {
  let batch: Int
  /// `widths[k]` is the width of layer `k`'s input; the last is the model's output width.
  var widths: [Int]
  /// `|v|` bounds of each activation (`magnitudes[k]` is layer `k`'s input).
  var magnitudes: [[Double]]
  /// `|dy|` bounds of each layer's output gradient (`seedMagnitudes[k]` is layer `k`'s).
  let seedMagnitudes: [[Double]]
  /// The error bounds of the Float32 activations (`errors[k]` is layer `k`'s input), filled by the
  /// forward pass.
  var errors: [[Double]]
  /// Per value, per row, bounds of the ℓ2 norm of the row's error (`NormwiseErrorModel`; empty
  /// where only the entrywise models run).
  var norms: [[Double]] = []
  let enclosure: GradientEnclosure<IntervalVector>
  /// The enclosed activations (`activations[k]` is layer `k`'s input).
  var activations: [IntervalVector]

  init(_ e: GradientEnclosure<IntervalVector>) {
    activations = e.activations
    batch = e.batch
    widths = e.widths
    magnitudes = e.activations.map { v in (0..<v.count).map { v.magnitudeUpperBound($0) } }
    seedMagnitudes = e.seeds.map { v in (0..<v.count).map { v.magnitudeUpperBound($0) } }
    errors = [Array(repeating: 0, count: e.activations[0].count)]
    enclosure = e
  }

  /// The view of a graph's layer `k` that reads value `v`: its input entries (`[k]`) are value
  /// `v`'s, its output (`[k + 1]`) and seed its own, so the one-input error models, written for
  /// chains, read the right values. In a chain (`v == k`) it is `self`.
  func reading(_ v: Int, at k: Int) -> ErrorPropagation {
    guard v != k else { return self }
    var view = self
    view.magnitudes[k] = magnitudes[v]
    view.errors[k] = errors[v]
    if v < norms.count && k < norms.count { view.norms[k] = norms[v] }
    view.widths[k] = widths[v]
    view.activations[k] = activations[v]
    return view
  }
}
