import Exact

/// Updates parameters from their gradients, one step at a time.
public protocol Optimizer: AnyObject {
  /// The parameters it updates, in order; its state is kept per parameter.
  var parameters: [Parameter] { get }
  /// The step size of the next `step()` (the trainer sets it before each step from the run's
  /// `LearningRateSchedule`).
  var learningRate: Float { get set }
  /// Applies one update to every parameter from its current `gradient`.
  func step()
  /// Everything the next steps depend on besides the parameters (moments, velocities, the step
  /// count), for a checkpoint a run can resume from.
  var state: OptimizerState { get }
  /// Puts back a state taken from an optimizer of the same kind over parameters of the same
  /// names and shapes.
  /// - Throws: `TrainingError.invalidConfiguration` naming what does not match.
  func restore(_ state: OptimizerState) throws
}

/// An optimizer's state between steps: its kind, the steps taken, and its tensors, each named
/// after its parameter (`dense1.W.velocity`, `dense1.W.m`, `dense1.W.v`).
public struct OptimizerState: Equatable, Sendable {
  /// `"sgd"` or `"adam"`.
  public var kind: String
  public var steps: Int
  public var tensors: [Checkpoint.StoredTensor]

  public init(kind: String, steps: Int, tensors: [Checkpoint.StoredTensor]) {
    self.kind = kind
    self.steps = steps
    self.tensors = tensors
  }

  /// The tensors named `parameter.name + suffix`, one per parameter in order, checked.
  /// - Throws: `TrainingError.invalidConfiguration` naming the first that is missing or misshapen.
  func tensors(for parameters: [Parameter], suffixes: [String], kind expected: String) throws -> [Tensor<Float>] {
    guard kind == expected else {
      throw TrainingError.invalidConfiguration("the saved optimizer state is \(kind)'s, this run uses \(expected)")
    }
    let names = parameters.flatMap { p in suffixes.map { p.name + $0 } }
    guard tensors.map(\.name) == names else {
      throw TrainingError.invalidConfiguration(
        "the saved optimizer state holds \(MessageText.cut(tensors.map(\.name).joined(separator: ", "))); this run needs \(names.joined(separator: ", "))")
    }
    let shapes = parameters.flatMap { p in suffixes.map { _ in p.shape } }
    for (tensor, shape) in zip(tensors, shapes) where tensor.value.shape != shape {
      throw TrainingError.invalidConfiguration("the saved optimizer tensor \(tensor.name) has shape \(tensor.value.shape), its parameter \(shape)")
    }
    return tensors.map(\.value)
  }
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
