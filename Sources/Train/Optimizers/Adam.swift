#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma and Ba, 2015), at step `t` from 1:
///
///     m ← β₁ m + (1 − β₁) g
///     v ← β₂ v + (1 − β₂) g²
///     w ← w − η (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
///
/// Moments start at zero; the bias corrections are computed in `Double` once per step.
public final class Adam: Optimizer {
  public let parameters: [Parameter]
  public var learningRate: Float
  public let beta1: Float
  public let beta2: Float
  public let epsilon: Float
  /// Steps taken so far.
  public private(set) var steps = 0
  private var first: [Tensor<Float>]
  private var second: [Tensor<Float>]

  public init(parameters: [Parameter], learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
    precondition(0 <= beta1 && beta1 < 1 && 0 <= beta2 && beta2 < 1, "Adam's betas must be in [0, 1)")
    self.parameters = parameters
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    first = parameters.map { Tensor(zeros: $0.shape) }
    second = parameters.map { Tensor(zeros: $0.shape) }
  }

  /// The moments, named `dense1.W.m` and `dense1.W.v` (parameter by parameter), and the steps.
  public var state: OptimizerState {
    var tensors: [Checkpoint.StoredTensor] = []
    for (k, p) in parameters.enumerated() {
      tensors.append(.init(name: p.name + ".m", rule: p.rule, value: first[k]))
      tensors.append(.init(name: p.name + ".v", rule: p.rule, value: second[k]))
    }
    return OptimizerState(kind: "adam", steps: steps, tensors: tensors)
  }

  public func restore(_ state: OptimizerState) throws {
    let values = try state.tensors(for: parameters, suffixes: [".m", ".v"], kind: "adam")
    guard state.steps >= 0 else { throw TrainingError.invalidConfiguration("Adam's saved step count is negative") }
    first = stride(from: 0, to: values.count, by: 2).map { values[$0] }
    second = stride(from: 1, to: values.count, by: 2).map { values[$0] }
    steps = state.steps
  }

  public func step() {
    steps += 1
    let correction1 = Float(1 - pow(Double(beta1), Double(steps)))
    let correction2 = Float(1 - pow(Double(beta2), Double(steps)))
    let (b1, b2, eps, rate) = (beta1, beta2, epsilon, learningRate)
    for (k, parameter) in parameters.enumerated() {
      parameter.gradient.withUnsafeBufferPointer { g in
        parameter.value.withUnsafeMutableBufferPointer { w in
          first[k].withUnsafeMutableBufferPointer { m in
            second[k].withUnsafeMutableBufferPointer { v in
              for i in 0..<w.count {
                let gi = g[i]
                let mi = b1 * m[i] + (1 - b1) * gi
                let vi = b2 * v[i] + (1 - b2) * gi * gi
                m[i] = mi
                v[i] = vi
                w[i] -= rate * (mi / correction1) / ((vi / correction2).squareRoot() + eps)
              }
            }
          }
        }
      }
    }
  }
}
