import ArgumentParser
import Foundation
import Train

/// `certify check --model CHECKPOINT`: the checkpoint's model certificate replayed.
struct ModelCheckReport: Codable, Equatable {
  var checkpoint: String
  var accepted: Bool
  /// The number of parameter tensors whose gradient theorem replayed.
  var parameters: Int
  /// Kernel steps replayed.
  var steps: Int
  /// Accepted: the replay's and the comparison's; refused: from reading the file to the refusal.
  var seconds: Double
  /// Why it was refused, when it was.
  var reason: String?
}

extension Check {
  /// Replays the model certificate of the checkpoint at `path` (the work of `check --model`;
  /// tests call it). A file that is not a checkpoint is an error, not a report.
  static func checkModel(_ path: String) throws -> ModelCheckReport {
    let start = Date()
    switch try Checkpoint.checkModelCertificate(contentsOf: path) {
    case let .success(check):
      return ModelCheckReport(checkpoint: path, accepted: true, parameters: check.parameters, steps: check.steps, seconds: check.seconds)
    case let .failure(error):
      return ModelCheckReport(checkpoint: path, accepted: false, parameters: 0, steps: 0, seconds: Date().timeIntervalSince(start),
                              reason: "\(error)")
    }
  }

  func runModelCheck(_ path: String) throws {
    try reportingFailure {
      let report = try Check.checkModel(path)
      if json {
        print(try JSONOutput.encode(report))
      } else if report.accepted {
        print("accepted  \(path): model certificate, \(report.parameters) parameters, \(report.steps) steps (\(String(format: "%.2f", report.seconds)) s)")
      } else {
        print("REJECTED  \(path): \(report.reason ?? "")")
      }
      if !report.accepted { throw ExitCode.failure }
    }
  }
}
