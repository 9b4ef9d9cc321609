import ArgumentParser
import Audit
import Foundation
import Train

/// `certify train`: trains a model spec on Fashion-MNIST and writes a checkpoint.
struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train a model spec on Fashion-MNIST and write a checkpoint.",
    discussion: """
      Prints one line per epoch (mean training loss, test accuracy, training examples per \
      second), with a progress bar when standard error is a terminal. With --json, a last line \
      holds the epochs, the peak resident memory and the kinks (relu inputs exactly 0, where the \
      trainer used relu'(0) = 0, and points where a formula layer's stated side condition \
      failed). The same seed gives the same numbers on the same machine.
      """)

  @Option(help: "The model spec file (Models/*.spec).")
  var model: String = "Models/mlp.spec"

  @OptionGroup var dataOptions: DataOptions
  @OptionGroup var certificateOptions: CertificateOptions

  // Numeric options parse their value unconditionally, so `--lr -0.1` reaches the range check
  // (and is refused with the reason) instead of being read as a missing value.
  @Option(parsing: .unconditional, help: "The number of passes over the training set (with --resume: in all, counting those done).")
  var epochs: Int = 10

  @Option(parsing: .unconditional, help: "Examples per training step.")
  var batch: Int = 128

  @Option(parsing: .unconditional, help: "The learning rate, a positive number up to 1000.")
  var lr: Double = 0.05

  @Option(help: ArgumentHelp(
    "How the learning rate changes: constant, cosine (per step from --lr to 0 over the run) or step:E1,E2,... (divided by 10 after epochs E1, E2, ...).",
    discussion: "Kept in the checkpoint; --resume needs the same schedule (and, for cosine, the same --epochs)."))
  var lrSchedule: String = "constant"

  @Option(help: "The optimizer: sgd (with momentum) or adam.")
  var optimizer: OptimizerChoice = .sgd

  @Option(parsing: .unconditional, help: "SGD's momentum, in [0, 1) (default 0.9; sgd only).")
  var momentum: Double?

  @Option(parsing: .unconditional, help: "The seed of the initial weights, the shuffling and the dropout masks.")
  var seed: UInt64 = 0

  @Option(help: ArgumentHelp(
    "Where to write the checkpoint, after every epoch (none if omitted; with --resume, the resumed file).",
    discussion: "A regular file, replaced atomically; a symbolic link is followed. Checked before training starts."))
  var out: String?

  @Option(help: ArgumentHelp(
    "Continue the run saved in this checkpoint (written by --out) where it stopped: after its last epoch, or step with --checkpoint-steps.",
    discussion: "Give the same model, data, --limit, --batch, --lr, --lr-schedule, --optimizer, --momentum and --seed as the run that wrote it; the result is the same, bit for bit, as a run never stopped (same machine and --threads)."))
  var resume: String?

  @Option(parsing: .unconditional, help: ArgumentHelp(
    "Also write the checkpoint every N training steps within an epoch (default: at epoch ends only).",
    discussion: "A run stopped within an epoch then resumes from its last such step, not from the epoch's start."))
  var checkpointSteps: Int?

  @Option(parsing: .unconditional, help: "Train on the first N training examples only (for quick runs).")
  var limit: Int?

  @OptionGroup var performance: PerformanceOptions

  @Flag(help: "Print a last line of JSON with the per-epoch results, peak memory and kinks.")
  var json = false

  enum OptimizerChoice: String, ExpressibleByArgument, CaseIterable {
    case sgd, adam
  }

  func validate() throws {
    guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs).") }
    guard epochs <= TrainCommand.maximumEpochs else { throw ValidationError("--epochs must be at most \(TrainCommand.maximumEpochs), not \(epochs).") }
    guard batch >= 1 else { throw ValidationError("--batch must be at least 1, not \(batch).") }
    guard batch <= TrainCommand.maximumBatch else { throw ValidationError("--batch must be at most \(TrainCommand.maximumBatch), not \(batch).") }
    guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number, not \(lr).") }
    guard lr <= TrainCommand.maximumLearningRate else {
      throw ValidationError("--lr must be at most \(TrainCommand.maximumLearningRate), not \(lr).")
    }
    if let momentum {
      guard optimizer == .sgd else { throw ValidationError("--momentum applies to --optimizer sgd only.") }
      guard momentum >= 0, momentum < 1 else { throw ValidationError("--momentum must be in [0, 1), not \(momentum).") }
    }
    do { _ = try LearningRateSchedule(parsing: lrSchedule) } catch TrainingError.invalidConfiguration(let reason) {
      throw ValidationError("--lr-schedule: \(reason).")
    }
    if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit).") }
    if let checkpointSteps {
      guard checkpointSteps >= 1 else { throw ValidationError("--checkpoint-steps must be at least 1, not \(checkpointSteps).") }
      guard out != nil || resume != nil else { throw ValidationError("--checkpoint-steps needs --out (or --resume): a file to write.") }
    }
  }

  /// The most epochs: a run longer than this is a typo, not a plan.
  static let maximumEpochs = 100_000
  /// The largest batch: far above any useful one (the training set has 60,000 examples), low
  /// enough that a batch times a width never overflows.
  static let maximumBatch = 1 << 20
  /// The largest learning rate: any step size above it diverges on every model here, so it is
  /// taken for a typo (`--lr 5e4` for `5e-4`).
  static let maximumLearningRate = 1000.0

  func run() throws {
    performance.apply()
    let configuration = TrainingConfiguration(
      epochs: epochs, batchSize: batch, learningRate: lr,
      optimizer: optimizer == .sgd ? .sgd(momentum: momentum ?? 0.9) : .adam, seed: seed,
      schedule: (try? LearningRateSchedule(parsing: lrSchedule)) ?? .constant)  // parsed in validate()
    try reportingFailure {
      // Checked first: a wrong --out or --resume is reported before the data is read or a step run.
      let output = try (out ?? resume).map(OutputFile.init)
      let resumed = try resume.map { try Checkpoint(contentsOf: $0) }
      let spec = try ModelSpec(contentsOf: model)
      try spec.checkMemory(batch: batch)
      var trainSet = try FashionMNIST.load(.train, from: dataOptions.data)
      if let limit { trainSet = trainSet.prefix(limit) }
      let testSet = try FashionMNIST.load(.test, from: dataOptions.data)
      // Refused unless every rule the model runs is certified (no option skips this).
      let network: Sequential
      var state: TrainingState?
      if let resumed, let resume {
        let saved = try ResumedRun.state(of: resumed, path: resume, spec: spec, configuration: configuration)
        network = try resumed.makeModel(certificates: certificateOptions.store)
        state = saved
        print("resuming \(resume) \(ResumedRun.position(of: saved)) of \(epochs)")
      } else {
        network = try Sequential(spec, seed: seed, certificates: certificateOptions.store)
      }
      // A convolution's, pooling's or transformer's chain-rule proof takes seconds: not at every
      // model build, but here, so that the checkpoint carries the model certificate.
      if network.modelCertificate == nil, case .onRequest = ModelCertificate.gap(of: network.schedule, formulas: network.formulaBlocks) {
        let start = Date()
        try network.proveModelCertificate()
        let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
        if let certificate = network.modelCertificate {
          print("model certificate: \(certificate.parameters.count) parameters proved in \(seconds) s")
        } else {
          print("model certificate: none (\(network.modelCertificateGap ?? "not proved"))")
        }
      }

      var display = ProgressDisplay(epochs: epochs, batchSize: batch)
      let report = try Trainer(configuration).train(
        network, on: trainSet, test: testSet, resuming: state, checkpointSteps: checkpointSteps
      ) {
        display.show($0)
      } checkpoint: { state in
        // After every epoch (and every --checkpoint-steps steps): a run killed later resumes from
        // here. Atomic: a kill during the write leaves the previous checkpoint whole.
        guard let output else { return }
        let training = Checkpoint.Training(configuration, testAccuracy: state.epochs.last?.testAccuracy)
        try Checkpoint(model: network, training: training, state: state).write(to: output)
      }

      if let output { print("checkpoint: \(output.path)") }
      let kinks = report.kinks.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
      // Relu inputs exactly 0, and points where a formula layer's stated side condition failed:
      // the values the trainer computed there are outside what the certificates cover.
      print("kinks (outside a certificate's side condition): \(kinks.isEmpty ? "none (no layer has one)" : kinks.joined(separator: ", "))")
      print(String(format: "peak memory: %.1f MB", report.peakResidentMegabytes))
      if json { print(report.json) }
    }
  }
}
