import Intervals
import Train

/// `fl(fl(Σ window) · fl(1/K²))` forward and `dx += fl(dy · fl(1/K²))` backward: the window sum of
/// `WindowTaps` with weight `1/K²` and two extra roundings (the Float32 `1/K²` and the product).
extension AvgPool: GradientErrorModel {
  private var taps: WindowTaps { .sweep(geometry, outputChannels: nil, sharedWeight: true, bias: false) }
  private var share: [Double] { [1 / Double(geometry.kernel * geometry.kernel)] }

  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    taps.forwardError(weights: share, biases: [], extra: 2, errors: input, p, at: k)
  }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    (taps.inputError(weights: share, extra: 2, dy: dy, p, at: k), [])
  }
}

/// The mean of each channel's plane, as the average pool with one window the size of the image.
extension GlobalAvgPool: GradientErrorModel {
  private var taps: WindowTaps {
    let (channels, plane) = (inputShape[0], inputShape[1] * inputShape[2])
    var taps = WindowTaps(inputs: channels * plane, outputs: channels)
    for c in 0..<channels {
      for j in 0..<plane { taps.tap(input: c * plane + j, weight: 0) }
      taps.endOutput()
    }
    return taps
  }
  private var share: [Double] { [1 / Double(inputShape[1] * inputShape[2])] }

  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    taps.forwardError(weights: share, biases: [], extra: 2, errors: input, p, at: k)
  }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    (taps.inputError(weights: share, extra: 2, dy: dy, p, at: k), [])
  }
}

/// Max pooling computes no new value: the maximum is exact and 1-Lipschitz in each window, and the
/// gradient is `dy` sent to one entry.
///
/// Backward, the trainer sends `dŷ` to the first maximum of the Float32 window and the certified
/// rule sends `dy` to the maximum of the exact window. An entry `j` can be either only if
/// `hi_j + E_j ≥ max_i (lo_i − E_i)` (`[lo, hi]` the exact input's enclosure, `E` its Float32
/// error): when one entry of the window qualifies both route to it and the error is `E_dy`;
/// otherwise (a tie, or values closer than their errors) each qualifying entry may get the
/// gradient in one computation and not the other, and its error is bounded by `|dy| + E_dy`.
extension MaxPool: GradientErrorModel {
  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    var out = Array(repeating: 0.0, count: p.batch * outputWidth)
    forEachWindow(p.batch) { o, window in out[o] = GradientErrorBound.largest(window.map { input[$0] }) * GradientErrorBound.safety }
    return out
  }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    let (x, errors, seed) = (p.activations[k], p.errors[k], p.seedMagnitudes[k])
    var dx = Array(repeating: 0.0, count: p.batch * inputWidth)
    forEachWindow(p.batch) { o, window in
      let bounds = window.map { x.doubleBounds($0) }
      // A NaN error says nothing: every entry of its window is a candidate.
      let floor = window.contains { errors[$0].isNaN } ? -Double.infinity : zip(window, bounds).map { $1.lower - errors[$0] }.max()!
      let candidates = zip(window, bounds).filter { !($1.upper + errors[$0] < floor) }.map(\.0)
      let error = candidates.count == 1 ? dy[o] : (seed[o] + dy[o]) * GradientErrorBound.safety
      for j in candidates { dx[j] += error }  // at stride 1 an entry is in several windows
    }
    return (dx, [])
  }

  /// Calls `body(o, window)` for every output `o` of the batch (flat) with the flat input
  /// positions of its K x K window (in row-major order).
  private func forEachWindow(_ batch: Int, _ body: (Int, [Int]) -> Void) {
    let g = geometry
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    for b in 0..<batch {
      for c in 0..<g.channels {
        for p in 0..<oh {
          for q in 0..<ow {
            let top = b * inputWidth + (c * g.height + g.stride * p) * g.width + g.stride * q
            body(b * outputWidth + (c * oh + p) * ow + q, (0..<g.kernel).flatMap { u in (0..<g.kernel).map { top + u * g.width + $0 } })
          }
        }
      }
    }
  }
}

/// The identity on storage: errors pass unchanged.
extension Flatten: GradientErrorModel {
  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] { input }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    (dy, [])
  }
}
