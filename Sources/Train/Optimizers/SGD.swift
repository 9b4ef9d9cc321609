/// Stochastic gradient descent with heavy-ball momentum:
///
///     v ← μ v + g
///     w ← w − η v
///
/// (the formulation of PyTorch and of `optax.sgd`; with `μ = 0` it is plain `w ← w − η g`).
/// Velocities start at zero.
///
/// Fused (`fused: true`, what the trainer uses), the velocity lives in `Parameter.gradient`:
/// the optimizer turns on `accumulatesGradient`, so `backward` adds `g` to the `μ v` left there by
/// the previous step, and a step is `w ← w − η v; v ← μ v`. The same numbers, one pass over the
/// weights fewer, and BLAS need not zero the gradient first. `Parameter.gradient` then holds the
/// velocity, not the gradient.
public final class SGD: Optimizer {
  public let parameters: [Parameter]
  public var learningRate: Float
  public let momentum: Float
  /// Whether the velocities live in the parameters' gradients (see above).
  public let fused: Bool
  private var velocities: [Tensor<Float>]
  /// Steps taken so far.
  public private(set) var steps = 0

  public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, fused: Bool = false) {
    precondition(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)")
    self.parameters = parameters
    self.learningRate = learningRate
    self.momentum = momentum
    self.fused = fused && momentum > 0
    if self.fused {
      velocities = []
      for parameter in parameters {
        parameter.accumulatesGradient = true
        parameter.gradient = Tensor(zeros: parameter.shape)  // μ v with v = 0
      }
    } else {
      velocities = parameters.map { Tensor(zeros: $0.shape) }
    }
  }

  /// The velocities (fused: the `μ v` each parameter's gradient holds between steps), named
  /// `dense1.W.velocity`; none for plain SGD.
  public var state: OptimizerState {
    let values = fused ? parameters.map(\.gradient) : (momentum == 0 ? [] : velocities)
    return OptimizerState(
      kind: "sgd", steps: steps,
      tensors: zip(parameters, values).map { .init(name: $0.name + ".velocity", rule: $0.rule, value: $1) })
  }

  public func restore(_ state: OptimizerState) throws {
    let values = try state.tensors(for: momentum == 0 ? [] : parameters, suffixes: [".velocity"], kind: "sgd")
    if fused {
      for (parameter, value) in zip(parameters, values) { parameter.gradient = value }
    } else if momentum != 0 {
      velocities = values
    }
    steps = state.steps
  }

  public func step() {
    steps += 1
    let (rate, mu) = (learningRate, momentum)
    for (k, parameter) in parameters.enumerated() {
      if fused {
        parameter.value.withUnsafeMutableBufferPointer { w in
          parameter.gradient.withUnsafeMutableBufferPointer { v in  // μ v_old + g, from backward
            for i in 0..<w.count {
              let vi = v[i]
              w[i] -= rate * vi
              v[i] = mu * vi  // ready for the next backward to add its gradient
            }
          }
        }
        continue
      }
      parameter.gradient.withUnsafeBufferPointer { g in
        parameter.value.withUnsafeMutableBufferPointer { w in
          if mu == 0 {
            for i in 0..<w.count { w[i] -= rate * g[i] }
            return
          }
          velocities[k].withUnsafeMutableBufferPointer { v in
            for i in 0..<w.count {
              let vi = mu * v[i] + g[i]
              v[i] = vi
              w[i] -= rate * vi
            }
          }
        }
      }
    }
  }
}
