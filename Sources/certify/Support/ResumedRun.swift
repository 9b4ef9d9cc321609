import Foundation
import Train

/// What `certify train --resume` checks before it continues a run: the checkpoint holds a training
/// state, and the command asks for the same model and recipe as the run that wrote it. A resumed
/// run that changed either would not be the run it claims to continue.
enum ResumedRun {
  /// The checkpoint's training state.
  /// - Throws: `TrainingError.cannotResume` naming the first difference.
  static func state(of checkpoint: Checkpoint, path: String, spec: ModelSpec, configuration: TrainingConfiguration) throws -> TrainingState {
    func refuse(_ reason: String) -> TrainingError { .cannotResume(path: path, reason: reason) }
    guard let state = checkpoint.state else {
      throw refuse("it holds no training state (it was written without one, or by a build before format version 2)")
    }
    guard checkpoint.spec == spec else { throw refuse("it was trained with another model spec than --model gives") }
    guard let saved = checkpoint.training else { throw refuse("it does not record the recipe it was trained with") }
    let asked = Checkpoint.Training(configuration)
    let differences = [
      ("--batch", "\(saved.batchSize)", "\(asked.batchSize)"),
      ("--lr", "\(saved.learningRate)", "\(asked.learningRate)"),
      ("--lr-schedule", saved.schedule ?? "constant", asked.schedule ?? "constant"),
      ("--optimizer", saved.optimizer, asked.optimizer),
      ("--momentum", saved.momentum.map { "\($0)" } ?? "none", asked.momentum.map { "\($0)" } ?? "none"),
      ("--seed", "\(saved.seed)", "\(asked.seed)"),
    ].filter { $0.1 != $0.2 }
    if let (option, was, now) = differences.first {
      throw refuse("it was trained with \(option) \(was), this command gives \(now); a resumed run keeps its recipe")
    }
    // A cosine schedule decays over the whole run: another --epochs would change every rate.
    if configuration.schedule == .cosine, saved.epochs != configuration.epochs {
      throw refuse("it was trained with --lr-schedule cosine over --epochs \(saved.epochs), this command gives \(configuration.epochs); the cosine decay spans the whole run, so a resumed run keeps its epochs")
    }
    guard state.completedEpochs < configuration.epochs else {
      throw refuse("it has finished \(state.completedEpochs) epochs already; give --epochs above \(state.completedEpochs) to train more")
    }
    return state
  }

  /// Where a saved run continues: `after epoch 2`, or `at step 101 of epoch 3`.
  static func position(of state: TrainingState) -> String {
    state.completedSteps == 0
      ? "after epoch \(state.completedEpochs)"
      : "at step \(state.completedSteps + 1) of epoch \(state.completedEpochs + 1)"
  }
}
