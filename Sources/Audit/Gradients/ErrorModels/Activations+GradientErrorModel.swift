import Intervals
import Train

extension ReLU: GradientErrorModel {
  /// relu is exact and 1-Lipschitz.
  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] { input }

  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    let z = p.activations[k], input = p.errors[k], seed = p.seedMagnitudes[k]
    var dx = Array(repeating: 0.0, count: dy.count)
    for j in dx.indices {
      let (lo, hi) = z.doubleBounds(j)
      // Float and exact inputs have the same sign when |z| > E_z: the same step, so only dy's
      // error passes where both are 1, and none where both are 0 (the trainer's dx is then 0
      // exactly: a max pool's routing error below a dead relu stops here); otherwise one of the
      // two steps may be 0.
      dx[j] = lo > input[j] ? dy[j] : hi < -input[j] ? 0 : (seed[j] + dy[j]) * GradientErrorBound.safety
    }
    return (dx, [])
  }
}

extension Sigmoid: GradientErrorModel {
  /// `1/(1 + expf(-v))`: 1/4-Lipschitz, with the relative error `sigmoidRelative`.
  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let rho = B.sigmoidRelative
    return input.indices.map { j in (input[j] / 4 + rho * (p.magnitudes[k + 1][j] + input[j] / 4) + 8 * B.eta) * B.safety }
  }

  /// `dx = y (1 − y) dy` with `y` the Float32 forward output.
  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    typealias B = GradientErrorBound
    let ey = p.errors[k + 1], seed = p.seedMagnitudes[k], g3 = B.gamma(3)
    let dx = dy.indices.map { j in (0.25 * dy[j] + ey[j] * seed[j] + g3 * 0.25 * (seed[j] + dy[j]) + 2 * B.eta) * B.safety }
    return (dx, [])
  }
}

extension Tanh: GradientErrorModel {
  /// `tanhf`: 1-Lipschitz, within the libm bound.
  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    return input.indices.map { j in (input[j] + B.libmRelative * (p.magnitudes[k + 1][j] + input[j]) + B.libmAbsolute) * B.safety }
  }

  /// `dx = (1 − y²) dy` with `y` the Float32 forward output.
  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    typealias B = GradientErrorBound
    let ey = p.errors[k + 1], seed = p.seedMagnitudes[k]
    let dx = dy.indices.map { j -> Double in
      let t = p.magnitudes[k + 1][j]
      let q = (t + ey[j]) * (t + ey[j])
      let f = ey[j] * (2 * t + ey[j]) + B.u * (1 + B.u) * q + B.u * max(1, q) + B.eta
      return ((1 + f) * dy[j] + f * seed[j] + B.u * (1 + f) * (seed[j] + dy[j]) + B.eta / 2) * B.safety
    }
    return (dx, [])
  }
}
