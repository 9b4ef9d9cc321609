import Foundation

/// One epoch's results.
public struct EpochReport: Equatable, Sendable, Codable {
  /// From 1.
  public var epoch: Int
  /// The mean training loss over the epoch's examples (each batch's mean, weighted by its size).
  public var loss: Double
  /// The fraction of test examples classified correctly after the epoch (nil without a test set).
  public var testAccuracy: Double?
  /// Training examples per second of the epoch's training steps (evaluation not included).
  public var examplesPerSecond: Double
  /// The learning rate of the epoch's first step (nil in reports saved before schedules).
  public var learningRate: Double?

  package init(epoch: Int, loss: Double, testAccuracy: Double?, examplesPerSecond: Double, learningRate: Double? = nil) {
    self.learningRate = learningRate
    self.epoch = epoch
    self.loss = loss
    self.testAccuracy = testAccuracy
    self.examplesPerSecond = examplesPerSecond
  }

  enum CodingKeys: String, CodingKey {
    case epoch, loss
    case testAccuracy = "test_accuracy"
    case examplesPerSecond = "examples_per_second"
    case learningRate = "learning_rate"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(epoch, forKey: .epoch)
    try container.encode(loss, forKey: .loss)
    try container.encode(testAccuracy, forKey: .testAccuracy)  // null without a test set
    try container.encode(examplesPerSecond, forKey: .examplesPerSecond)
    try container.encodeIfPresent(learningRate, forKey: .learningRate)
  }
}

/// A finished training run: the epochs, the relu kinks met, and the peak memory.
///
/// `json` is the line `certify train --json` prints:
///
///     {"epochs":[{"epoch":1,"examples_per_second":61234.5,"loss":0.52,"test_accuracy":0.83}],
///      "kink_handling":{"relu1":"relu'(0) = 0: ..."},"kinks":{"relu1":0},"peak_rss_mb":87.4}
public struct TrainingReport: Equatable, Sendable, Codable {
  public var epochs: [EpochReport]
  /// The learning-rate schedule, as `--lr-schedule` writes it (`"lr_schedule"` in the JSON).
  public var schedule: String?
  /// Per layer with a side condition (relu, maxpool, a formula layer with `assume` lines), the
  /// training points where it failed over the whole run: relu inputs exactly 0, max-pooling windows
  /// with a tie, formula points where an assumption failed.
  public var kinks: [String: Int]
  /// Per layer of `kinks`, what the trainer did at them (`"kink_handling"` in the JSON).
  public var kinkHandling: [String: String]?
  /// The process's peak resident memory at the end of the run, in MiB.
  public var peakResidentMegabytes: Double

  package init(epochs: [EpochReport], schedule: String? = nil, kinks: [String: Int], kinkHandling: [String: String]? = nil, peakResidentMegabytes: Double) {
    self.epochs = epochs
    self.schedule = schedule
    self.kinks = kinks
    self.kinkHandling = kinkHandling
    self.peakResidentMegabytes = peakResidentMegabytes
  }

  enum CodingKeys: String, CodingKey {
    case epochs, kinks
    case kinkHandling = "kink_handling"
    case schedule = "lr_schedule"
    case peakResidentMegabytes = "peak_rss_mb"
  }

  /// The report as one line of JSON, keys sorted.
  public var json: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Finite in practice; a non-finite rate or loss is printed as a string rather than trapping.
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try! encoder.encode(self), as: UTF8.self)
  }
}

/// The loss and accuracy of a model on a data set.
public struct EvaluationResult: Equatable, Sendable, Codable {
  /// The mean loss per example.
  public var loss: Double
  /// `correct / count`.
  public var accuracy: Double
  public var correct: Int
  public var count: Int

  enum CodingKeys: String, CodingKey {
    case loss, accuracy, correct, count
  }
}
