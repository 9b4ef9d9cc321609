import Algebra
import Foundation

/// One statement's result, as printed.
struct StatementReport {
  var name: String
  var file: String
  var outcome: ProofOutcome
  var milliseconds: Double

  var proved: Bool { outcome.proved }

  var line: String {
    let time = String(format: "%.1f ms", milliseconds)
    if proved { return "proved  \(name)  (\(file), \(time))" }
    return "FAILED  \(name)  (\(file), \(time))\n  " + (outcome.failure.map { "\($0)" } ?? "").replacingOccurrences(of: "\n", with: "\n  ")
  }

  var json: ProveSummary.Entry {
    var counterexample: String? = nil
    if case let .different(_, _, ce, _)? = outcome.failure { counterexample = ce?.description }
    return .init(name: name, file: file, status: proved ? "proved" : "failed", ms: (milliseconds * 1000).rounded() / 1000,
                 counterexample: counterexample, reason: outcome.failure.map { "\($0)" })
  }
}
