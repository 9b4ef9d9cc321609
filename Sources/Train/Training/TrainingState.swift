/// Where a training run stands after an epoch, or after a step within one: everything `Trainer.train` needs, besides the
/// model's parameters, to continue it and end with the same numbers, bit for bit, as a run that
/// was never stopped (on the same machine and thread count, Docs/Training.md "Reproducibility").
///
/// A checkpoint written after each epoch carries it (`Checkpoint.state`); `certify train --resume`
/// reads it back.
public struct TrainingState: Equatable, Sendable {
  /// Epochs finished; the run continues with epoch `completedEpochs + 1`.
  public var completedEpochs: Int
  /// Steps of epoch `completedEpochs + 1` already taken (0 at an epoch's end): the position in
  /// the epoch's shuffled order, `completedSteps × batch size` examples in.
  public var completedSteps: Int
  /// The sum over those steps of each batch's mean loss times its size (the epoch's report).
  package var partialLoss: Double
  /// The training order after the last shuffle. Each epoch shuffles the previous epoch's order
  /// in place, so the next order depends on this one, not on the seed alone.
  package var order: [Int]
  /// The state of the shuffle's random stream.
  package var shuffleState: UInt64
  /// Per dropout layer (by name), the state of its mask stream.
  package var dropoutStates: [String: UInt64]
  /// The optimizer's moments or velocities and step count.
  package var optimizer: OptimizerState
  /// The kinks counted so far, by layer (the report counts the whole run).
  public var kinks: [String: Int]
  /// The finished epochs' reports (the report lists the whole run).
  public var epochs: [EpochReport]

  package init(
    completedEpochs: Int, completedSteps: Int = 0, partialLoss: Double = 0, order: [Int], shuffleState: UInt64,
    dropoutStates: [String: UInt64], optimizer: OptimizerState, kinks: [String: Int], epochs: [EpochReport]
  ) {
    self.completedEpochs = completedEpochs
    self.completedSteps = completedSteps
    self.partialLoss = partialLoss
    self.order = order
    self.shuffleState = shuffleState
    self.dropoutStates = dropoutStates
    self.optimizer = optimizer
    self.kinks = kinks
    self.epochs = epochs
  }

  /// - Throws: `TrainingError.invalidConfiguration` unless the state fits `examples` training
  ///   examples (its order a permutation of them) in `steps` steps per epoch and the model's
  ///   dropout layers.
  func check(examples: Int, steps: Int, dropout: [String]) throws {
    func fail(_ reason: String) -> TrainingError { .invalidConfiguration(reason) }
    guard order.count == examples else {
      throw fail("the saved run trained on \(order.count) examples, this one has \(examples) (the same --limit and data are needed)")
    }
    var seen = [Bool](repeating: false, count: examples)
    for k in order {
      guard k >= 0, k < examples, !seen[k] else { throw fail("the saved training order is not a permutation of the examples") }
      seen[k] = true
    }
    guard dropoutStates.keys.sorted() == dropout.sorted() else {
      throw fail("the saved dropout streams (\(dropoutStates.keys.sorted().joined(separator: ", "))) are not the model's (\(dropout.joined(separator: ", ")))")
    }
    guard completedSteps >= 0, completedSteps < steps, partialLoss.isFinite else {
      throw fail("the saved state stopped at step \(completedSteps) of an epoch of \(steps) steps (the same --batch is needed)")
    }
    guard completedEpochs >= 0, epochs.count == completedEpochs else {
      throw fail("the saved state has \(epochs.count) epoch reports for \(completedEpochs) finished epochs")
    }
  }
}
