/// The recipe of a training run: epochs, batch size, optimizer, learning rate and its schedule, seed.
///
/// The seed fixes everything random: the initial weights (`Sequential(_:seed:)`), the shuffle
/// order of each epoch and the dropout masks.
public struct TrainingConfiguration: Equatable, Sendable {
  public var epochs: Int
  public var batchSize: Int
  /// The base learning rate, which `schedule` scales step by step.
  public var learningRate: Double
  public var schedule: LearningRateSchedule
  public var optimizer: OptimizerKind
  public var seed: UInt64
  /// Examples per forward pass when measuring test accuracy (memory, not results, depends on it).
  public var evaluationBatchSize: Int

  public init(
    epochs: Int = 10, batchSize: Int = 128, learningRate: Double = 0.05,
    optimizer: OptimizerKind = .sgd(momentum: 0.9), seed: UInt64 = 0, evaluationBatchSize: Int = 1000,
    schedule: LearningRateSchedule = .constant
  ) {
    self.schedule = schedule
    self.epochs = epochs
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.optimizer = optimizer
    self.seed = seed
    self.evaluationBatchSize = evaluationBatchSize
  }

  /// - Throws: `TrainingError.invalidConfiguration` naming the first setting out of range.
  public func validate() throws {
    func fail(_ reason: String) -> TrainingError { .invalidConfiguration(reason) }
    guard epochs >= 1 else { throw fail("epochs must be at least 1, not \(epochs)") }
    guard batchSize >= 1 else { throw fail("the batch size must be at least 1, not \(batchSize)") }
    guard evaluationBatchSize >= 1 else { throw fail("the evaluation batch size must be at least 1") }
    guard learningRate > 0, learningRate.isFinite else {
      throw fail("the learning rate must be a positive number, not \(learningRate)")
    }
    switch optimizer {
    case .sgd(let momentum):
      guard momentum >= 0, momentum < 1 else { throw fail("momentum must be in [0, 1), not \(momentum)") }
    case .adam(let beta1, let beta2, let epsilon):
      guard beta1 >= 0, beta1 < 1, beta2 >= 0, beta2 < 1 else { throw fail("Adam's betas must be in [0, 1)") }
      guard epsilon > 0 else { throw fail("Adam's epsilon must be positive") }
    }
  }
}
