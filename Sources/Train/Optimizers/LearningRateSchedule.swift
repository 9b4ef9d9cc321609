import Foundation

/// How the learning rate changes over a run, as a function of the step index alone (so a resumed
/// run takes exactly the rates of one never stopped).
///
/// With base rate `η`, `T` steps in the whole run and `t` the steps already taken (0 for the first):
///
/// - `constant`: `η` at every step.
/// - `cosine`: `η · (1 + cos(π t / T)) / 2`, from `η` at the first step towards 0 at the end,
///   per step (`optax.cosine_decay_schedule(η, T)`; PyTorch's `CosineAnnealingLR` stepped per
///   batch with `T_max = T`, `eta_min = 0`).
/// - `step(milestones)`: `η · 0.1^k` in epoch `e` (from 1), `k` the milestones below `e`; `step:5,8`
///   trains epochs 1–5 at `η`, 6–8 at `η/10`, the rest at `η/100` (PyTorch's `MultiStepLR` with
///   `gamma = 0.1`, stepped per epoch).
///
/// Written as `constant`, `cosine`, `step:5,8` (`certify train --lr-schedule`, checkpoints).
public enum LearningRateSchedule: Equatable, Sendable, CustomStringConvertible {
  case constant
  case cosine
  /// Epoch counts after which the rate is divided by 10, increasing, each at least 1.
  case step(milestones: [Int])

  /// The factor `step` multiplies the rate by at each milestone.
  public static let stepFactor = 0.1

  /// Parses `constant`, `cosine` or `step:E1,E2,...` (epochs increasing, each at least 1).
  /// - Throws: `TrainingError.invalidConfiguration` saying what is wrong.
  public init(parsing text: String) throws {
    func fail(_ reason: String) -> TrainingError { .invalidConfiguration(reason) }
    switch text {
    case "constant": self = .constant
    case "cosine": self = .cosine
    default:
      guard text.hasPrefix("step:") else {
        throw fail("unknown learning-rate schedule '\(text)': expected constant, cosine or step:E1,E2,... (milestone epochs)")
      }
      let list = text.dropFirst("step:".count).split(separator: ",", omittingEmptySubsequences: false)
      var milestones: [Int] = []
      for item in list {
        guard let epoch = Int(item), epoch >= 1 else {
          throw fail("the step schedule's milestone '\(item)' is not an epoch count of at least 1 (step:E1,E2,... lists milestone epochs)")
        }
        guard milestones.last.map({ $0 < epoch }) ?? true else {
          throw fail("the step schedule's milestones must increase: \(epoch) follows \(milestones.last!)")
        }
        milestones.append(epoch)
      }
      self = .step(milestones: milestones)
    }
  }

  public var description: String {
    switch self {
    case .constant: return "constant"
    case .cosine: return "cosine"
    case .step(let milestones): return "step:" + milestones.map(String.init).joined(separator: ",")
    }
  }

  /// The rate of the step taken after `taken` steps of a run of `epochs` epochs of
  /// `stepsPerEpoch` steps each, from `base`.
  public func rate(base: Double, taken: Int, stepsPerEpoch: Int, epochs: Int) -> Double {
    switch self {
    case .constant:
      return base
    case .cosine:
      let total = Double(max(1, stepsPerEpoch * epochs))
      return base * 0.5 * (1 + cos(Double.pi * (min(Double(taken), total) / total)))
    case .step(let milestones):
      let epoch = taken / max(1, stepsPerEpoch) + 1
      let decays = milestones.filter { $0 < epoch }.count
      return base * pow(LearningRateSchedule.stepFactor, Double(decays))
    }
  }
}
