import Testing
@testable import Train

/// A run stopped after an epoch and resumed from its checkpoint's training state ends with the
/// parameters of a run never stopped, bit for bit: the optimizer's moments or velocities, the
/// shuffle's order and stream, and the dropout masks all continue where they were.
@Suite("Resuming training")
struct ResumeTests {
  static let spec = "input 12\ndense 10\nrelu\ndropout keep 0.8\ndense 3\nloss softmax_cross_entropy"

  /// Trains for `epochs` from `state` (or from the seed), passing each epoch's state to `saved`.
  static func run(
    _ optimizer: OptimizerKind, epochs: Int, from checkpoint: Checkpoint? = nil, checkpointSteps: Int? = nil,
    schedule: LearningRateSchedule = .constant, saved: (Checkpoint) -> Void = { _ in }
  ) throws -> (Sequential, TrainingReport) {
    let data = try separableDataset(count: 90, features: 12, classes: 3, seed: 5)
    let test = try separableDataset(count: 30, features: 12, classes: 3, seed: 6)
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: spec), seed: 11)
    if let checkpoint {
      for (p, stored) in zip(model.parameters, checkpoint.arrays) { p.value = stored.value }
    }
    let configuration = TrainingConfiguration(
      epochs: epochs, batchSize: 16, learningRate: optimizer == .adam ? 0.01 : 0.05, optimizer: optimizer, seed: 11,
      schedule: schedule)
    let report = try Trainer(configuration).train(
      model, on: data, test: test, resuming: checkpoint?.state, checkpointSteps: checkpointSteps
    ) { _ in
    } checkpoint: { state in
      saved(Checkpoint(model: model, training: .init(configuration), state: state))
    }
    return (model, report)
  }

  @Test(arguments: [OptimizerKind.sgd(momentum: 0.9), .sgd(momentum: 0), .adam])
  func resumedRunEqualsAnUnstoppedOne(optimizer: OptimizerKind) throws {
    let (whole, wholeReport) = try Self.run(optimizer, epochs: 3)
    var afterOne: Checkpoint?
    _ = try Self.run(optimizer, epochs: 1) { afterOne = $0 }
    // Through the file format, as `certify train --resume` reads it.
    let stored = try Checkpoint(decoding: try #require(afterOne).encoded())
    #expect(stored.state?.completedEpochs == 1)
    let (resumed, resumedReport) = try Self.run(optimizer, epochs: 3, from: stored)
    #expect(resumed.parameters.map(\.value) == whole.parameters.map(\.value))
    #expect(resumedReport.epochs.map(\.loss) == wholeReport.epochs.map(\.loss))
    #expect(resumedReport.kinks == wholeReport.kinks)

    // Without the state (the weights alone), the run is a different one.
    var weightsOnly = stored
    weightsOnly.state = nil
    let (fresh, _) = try Self.run(optimizer, epochs: 2, from: weightsOnly)
    #expect(fresh.parameters.map(\.value) != whole.parameters.map(\.value))
  }

  /// Checkpoints every 4 steps (an epoch of 90 examples in batches of 16 has 6): a run resumed
  /// from any of them, within an epoch or at its end, ends as the unstopped run does.
  @Test(arguments: [OptimizerKind.sgd(momentum: 0.9), .adam])
  func resumedWithinAnEpochEqualsAnUnstoppedOne(optimizer: OptimizerKind) throws {
    var saved: [Checkpoint] = []
    let (whole, wholeReport) = try Self.run(optimizer, epochs: 3, checkpointSteps: 4) { saved.append($0) }
    // Epoch 1: steps 4 and 6 (its end); epoch 2: 4 and 6; epoch 3: 4 and 6.
    #expect(saved.map { [$0.state!.completedEpochs, $0.state!.completedSteps] } == [[0, 4], [1, 0], [1, 4], [2, 0], [2, 4], [3, 0]])
    for checkpoint in saved.dropLast() {
      let stored = try Checkpoint(decoding: checkpoint.encoded())
      #expect(stored.state == checkpoint.state)
      let (resumed, report) = try Self.run(optimizer, epochs: 3, from: stored)
      #expect(resumed.parameters.map(\.value) == whole.parameters.map(\.value))
      #expect(report.epochs.map(\.loss) == wholeReport.epochs.map(\.loss))
    }
  }

  /// Mid-schedule: the rate depends on the step's index alone, so a run resumed within an epoch
  /// of a cosine or step schedule takes the same rates, and ends with the same parameters.
  @Test(arguments: [LearningRateSchedule.cosine, .step(milestones: [1, 2])])
  func resumedMidScheduleEqualsAnUnstoppedOne(schedule: LearningRateSchedule) throws {
    var saved: [Checkpoint] = []
    let (whole, wholeReport) = try Self.run(.sgd(momentum: 0.9), epochs: 3, checkpointSteps: 4, schedule: schedule) { saved.append($0) }
    let (constant, _) = try Self.run(.sgd(momentum: 0.9), epochs: 3)
    #expect(whole.parameters.map(\.value) != constant.parameters.map(\.value))  // the schedule took effect
    #expect(wholeReport.epochs.map(\.learningRate) == (0..<3).map {
      schedule.rate(base: 0.05, taken: 6 * $0, stepsPerEpoch: 6, epochs: 3)
    })
    for checkpoint in [saved[0], saved[2], saved[3]] {  // within epoch 1, within epoch 2, end of epoch 2
      let stored = try Checkpoint(decoding: checkpoint.encoded())
      #expect(stored.training?.schedule == schedule.description)
      let (resumed, report) = try Self.run(.sgd(momentum: 0.9), epochs: 3, from: stored, schedule: schedule)
      #expect(resumed.parameters.map(\.value) == whole.parameters.map(\.value))
      #expect(report.epochs.map(\.loss) == wholeReport.epochs.map(\.loss))
      #expect(report.epochs.map(\.learningRate) == wholeReport.epochs.map(\.learningRate))
    }
  }

  @Test func aCheckpointWithoutStateIsVersionOneAndOneWithStateVersionTwo() throws {
    var saved: Checkpoint?
    _ = try Self.run(.adam, epochs: 1) { saved = $0 }
    let withState = try #require(saved)
    #expect(withState.encoded()[8] == 2)
    var without = withState
    without.state = nil
    #expect(without.encoded()[8] == 1)
    let state = try #require(try Checkpoint(decoding: withState.encoded()).state)
    #expect(state == withState.state)
    #expect(state.optimizer.tensors.map(\.name) == ["dense1.W.m", "dense1.W.v", "dense1.b.m", "dense1.b.v", "dense2.W.m", "dense2.W.v", "dense2.b.m", "dense2.b.v"])
    #expect(state.dropoutStates.keys.sorted() == ["dropout1"])
    #expect(state.optimizer.steps == 6)  // 90 examples in batches of 16
  }

  @Test func aNonFiniteRateInAnEpochReportIsWrittenAndReadBack() throws {
    var saved: Checkpoint?
    _ = try Self.run(.sgd(momentum: 0.9), epochs: 1) { saved = $0 }
    var checkpoint = try #require(saved)
    checkpoint.state!.epochs[0].examplesPerSecond = .infinity  // an epoch too fast for the clock
    let read = try Checkpoint(decoding: checkpoint.encoded())
    #expect(read.state?.epochs[0].examplesPerSecond == .infinity)
  }

  @Test func aStateThatDoesNotFitIsRefused() throws {
    var saved: Checkpoint?
    _ = try Self.run(.sgd(momentum: 0.9), epochs: 1) { saved = $0 }
    var checkpoint = try #require(saved)
    checkpoint.state!.order.removeLast()
    #expect(throws: TrainingError.self) { try Self.run(.sgd(momentum: 0.9), epochs: 2, from: checkpoint) }
    checkpoint = saved!
    #expect(throws: TrainingError.self) { try Self.run(.adam, epochs: 2, from: checkpoint) }  // sgd's state
    checkpoint.state!.order[0] = checkpoint.state!.order[1]
    #expect(throws: TrainingError.self) { try Self.run(.sgd(momentum: 0.9), epochs: 2, from: checkpoint) }
  }
}
