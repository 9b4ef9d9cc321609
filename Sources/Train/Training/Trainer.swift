/// What a training run reports as it goes, for progress displays.
public enum TrainingEvent: Sendable {
  /// A batch was trained: step `step` (from 1) of `steps` in epoch `epoch`, with its mean loss.
  case batch(epoch: Int, step: Int, steps: Int, loss: Double)
  /// The epoch's training steps are done; test accuracy is being measured.
  case evaluating(epoch: Int)
  /// An epoch is finished.
  case epoch(EpochReport)
}

/// Trains a model by minibatch gradient descent and measures it.
///
/// Each epoch shuffles the training set (seeded), runs `ceil(N / B)` steps — the last batch may be
/// smaller — of forward, loss, backward and optimizer update, then measures test accuracy. A step
/// allocates nothing: the batch buffer and every layer's workspace are sized once. A model whose
/// layers treat each example on its own runs its steps in chunks (`ChunkedSteps`).
///
/// ```swift
/// let model = try Sequential(ModelSpec(contentsOf: "Models/mlp.spec"), seed: 1, certificates: .builtIn)
/// let trainer = Trainer(TrainingConfiguration(epochs: 10, seed: 1))
/// let report = try trainer.train(model, on: try FashionMNIST.load(.train), test: try FashionMNIST.load(.test))
/// ```
public struct Trainer: Sendable {
  public let configuration: TrainingConfiguration

  public init(_ configuration: TrainingConfiguration) {
    self.configuration = configuration
  }

  /// Trains `model` on `data` for the configured epochs, measuring on `test` after each.
  ///
  /// With `state` (from a checkpoint of an earlier run with the same configuration, model and
  /// data), the run continues where the state stands — after its last finished epoch, or at a
  /// step within an epoch: the model must hold that checkpoint's parameters. After each epoch, and
  /// every `checkpointSteps` steps within one when given, `checkpoint` receives the state to save;
  /// a run resumed from it ends with the same parameters, bit for bit, as one never stopped.
  ///
  /// - Throws: `TrainingError.invalidConfiguration` (also for a state that does not fit),
  ///   `.mismatchedData` when the data does not fit the model, `.diverged` when the loss stops
  ///   being finite, and whatever `checkpoint` throws.
  public func train(
    _ model: Sequential, on data: Dataset, test: Dataset? = nil, resuming state: TrainingState? = nil,
    checkpointSteps: Int? = nil,
    progress: (TrainingEvent) -> Void = { _ in },
    checkpoint: (TrainingState) throws -> Void = { _ in }
  ) throws -> TrainingReport {
    try configuration.validate()
    try Trainer.check(model, fits: data)
    if let test { try Trainer.check(model, fits: test) }
    guard data.count > 0 else { throw TrainingError.mismatchedData("the training set is empty") }

    let batchSize = min(configuration.batchSize, data.count)
    let steps = (data.count + batchSize - 1) / batchSize
    let optimizer = configuration.optimizer.make(for: model.parameters, learningRate: configuration.learningRate)
    func rate(taken: Int) -> Double {
      configuration.schedule.rate(base: configuration.learningRate, taken: taken, stepsPerEpoch: steps, epochs: configuration.epochs)
    }
    model.reserve(batchCapacity: max(batchSize, min(configuration.evaluationBatchSize, test?.count ?? 0)))
    var batch = Workspace<Float>(columns: data.features)
    batch.reserve(rows: batchSize)
    var labels = [Int32](repeating: 0, count: batchSize)
    // A model of per-example layers (the ViT) trains in chunks that the threads take as they come.
    let chunked = ChunkedSteps(model, threads: BLAS.threads)
    var shuffler = RandomSource(seed: configuration.seed, stream: 1)
    var order = Array(0..<data.count)
    var epochs: [EpochReport] = []
    var priorKinks: [String: Int] = [:]
    let dropout = model.layers.compactMap { $0 as? Dropout }
    var (firstStep, partialLoss) = (0, 0.0)
    if let state {
      try state.check(examples: data.count, steps: steps, dropout: dropout.map(\.name))
      try optimizer.restore(state.optimizer)
      for layer in dropout { layer.randomState = state.dropoutStates[layer.name]! }
      shuffler = RandomSource(state: state.shuffleState)
      order = state.order
      epochs = state.epochs
      priorKinks = state.kinks
      (firstStep, partialLoss) = (state.completedSteps, state.partialLoss)
    }
    model.resetKinks()
    func runKinks() -> [String: Int] { model.kinks.merging(priorKinks, uniquingKeysWith: +) }
    /// The state after `epochs` and `stepsDone` steps of the next epoch with `lossSum` so far.
    func snapshot(stepsDone: Int, lossSum: Double) -> TrainingState {
      TrainingState(
        completedEpochs: epochs.count, completedSteps: stepsDone, partialLoss: lossSum, order: order,
        shuffleState: shuffler.state, dropoutStates: Dictionary(uniqueKeysWithValues: dropout.map { ($0.name, $0.randomState) }),
        optimizer: optimizer.state, kinks: runKinks(), epochs: epochs)
    }

    for epoch in stride(from: epochs.count + 1, through: configuration.epochs, by: 1) {
      // Resumed within an epoch, its order is the state's: it was shuffled before the stop.
      if firstStep == 0 { shuffler.shuffle(&order) }
      var lossSum = partialLoss
      let start = ResourceUsage.seconds
      // Examples this process trained in the epoch (all of them unless it resumed within it).
      let examplesRun = data.count - firstStep * batchSize
      for step in firstStep..<steps {
        let range = step * batchSize..<min(data.count, (step + 1) * batchSize)
        let x = batch.matrix(rows: range.count)
        let loss = labels.withUnsafeMutableBufferPointer { labels in
          data.gather(order[range], into: x, labels: labels.baseAddress!)
          let batchLabels = UnsafeBufferPointer(rebasing: labels[..<range.count])
          return chunked?.computeGradients(x, labels: batchLabels) ?? model.computeGradients(x, labels: batchLabels)
        }
        guard loss.isFinite else { throw TrainingError.diverged(epoch: epoch, step: step + 1, loss: loss) }
        // From the step's index alone, so a resumed run takes the rates of one never stopped.
        optimizer.learningRate = Float(rate(taken: (epoch - 1) * steps + step))
        optimizer.step()
        lossSum += loss * Double(range.count)
        progress(.batch(epoch: epoch, step: step + 1, steps: steps, loss: loss))
        if let every = checkpointSteps, (step + 1) % every == 0, step + 1 < steps {
          try checkpoint(snapshot(stepsDone: step + 1, lossSum: lossSum))
        }
      }
      (firstStep, partialLoss) = (0, 0)
      let seconds = ResourceUsage.seconds - start
      var accuracy: Double?
      if let test {
        progress(.evaluating(epoch: epoch))
        accuracy = Trainer.evaluate(model, on: test, batchSize: configuration.evaluationBatchSize).accuracy
      }
      let report = EpochReport(
        epoch: epoch, loss: lossSum / Double(data.count), testAccuracy: accuracy,
        examplesPerSecond: Double(examplesRun) / seconds, learningRate: rate(taken: (epoch - 1) * steps))
      epochs.append(report)
      try checkpoint(snapshot(stepsDone: 0, lossSum: 0))
      progress(.epoch(report))
    }
    return TrainingReport(
      epochs: epochs, schedule: configuration.schedule.description, kinks: runKinks(), kinkHandling: model.kinkHandling, peakResidentMegabytes: ResourceUsage.peakResidentMegabytes)
  }

  /// The mean loss and the accuracy of `model` on `data` (evaluation mode: no dropout, no kink
  /// counting), `batchSize` examples per forward pass.
  public static func evaluate(_ model: Sequential, on data: Dataset, batchSize: Int = 1000) -> EvaluationResult {
    let chunk = max(1, min(batchSize, data.count))
    model.reserve(batchCapacity: chunk)
    var batch = Workspace<Float>(columns: data.features)
    batch.reserve(rows: chunk)
    var labels = [Int32](repeating: 0, count: chunk)
    var predictions = [Int32](repeating: 0, count: chunk)
    var (lossSum, correct) = (0.0, 0)
    for start in stride(from: 0, to: data.count, by: chunk) {
      let range = start..<min(data.count, start + chunk)
      let x = batch.matrix(rows: range.count)
      labels.withUnsafeMutableBufferPointer { labels in
        predictions.withUnsafeMutableBufferPointer { predictions in
          data.gather(ArraySlice(range), into: x, labels: labels.baseAddress!)
          let n = range.count
          let batchLabels = UnsafeBufferPointer(rebasing: labels[..<n])
          lossSum += model.evaluate(x, labels: batchLabels, predictions: UnsafeMutableBufferPointer(rebasing: predictions[..<n])) * Double(n)
          for r in 0..<n where predictions[r] == labels[r] { correct += 1 }
        }
      }
    }
    let count = data.count
    return EvaluationResult(
      loss: count > 0 ? lossSum / Double(count) : 0, accuracy: count > 0 ? Double(correct) / Double(count) : 0,
      correct: correct, count: count)
  }

  /// - Throws: `TrainingError.mismatchedData` unless the data's features and classes are the
  ///   model's input and output widths.
  public static func check(_ model: Sequential, fits data: Dataset) throws {
    guard data.features == model.inputWidth else {
      throw TrainingError.mismatchedData(
        "the data has \(data.features) features per example but the model's input is \(model.inputWidth)")
    }
    guard data.classes == model.outputWidth else {
      throw TrainingError.mismatchedData(
        "the data has \(data.classes) classes but the model has \(model.outputWidth) outputs")
    }
  }
}
