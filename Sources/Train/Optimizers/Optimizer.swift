/// Updates parameters from their gradients, one step at a time.
public protocol Optimizer: AnyObject {
  /// The parameters it updates, in order; its state is kept per parameter.
  var parameters: [Parameter] { get }
  /// Applies one update to every parameter from its current `gradient`.
  func step()
}

/// Which optimizer to train with, and its settings (the learning rate is separate).
public enum OptimizerKind: Equatable, Sendable {
  /// Gradient descent with heavy-ball momentum `momentum` (0 for plain SGD).
  case sgd(momentum: Double)
  /// Adam (Kingma and Ba, 2015).
  case adam(beta1: Double, beta2: Double, epsilon: Double)

  /// Adam with the usual settings: β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
  public static var adam: OptimizerKind { .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8) }

  /// The optimizer for `parameters` (SGD fused with the backward pass: see `SGD`).
  public func make(for parameters: [Parameter], learningRate: Double) -> any Optimizer {
    switch self {
    case .sgd(let momentum):
      return SGD(parameters: parameters, learningRate: Float(learningRate), momentum: Float(momentum), fused: true)
    case .adam(let beta1, let beta2, let epsilon):
      return Adam(
        parameters: parameters, learningRate: Float(learningRate),
        beta1: Float(beta1), beta2: Float(beta2), epsilon: Float(epsilon))
    }
  }

  /// `"sgd"` or `"adam"`.
  public var name: String {
    switch self {
    case .sgd: return "sgd"
    case .adam: return "adam"
    }
  }
}
