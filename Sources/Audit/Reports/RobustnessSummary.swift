import Exact
import Foundation

/// Several methods' robustness reports on the same network, data and tier, side by side: the
/// terminal table, the JSON and the plot of `certify audit robustness`.
public struct RobustnessSummary: Sendable {
  /// One report per method, in the order run.
  public let reports: [RobustnessReport]

  /// - Precondition: at least one report, all on the same network, tier and images.
  public init(reports: [RobustnessReport]) {
    precondition(!reports.isEmpty, "a summary needs at least one report")
    precondition(
      reports.allSatisfy { $0.widths == reports[0].widths && $0.tier == reports[0].tier && $0.examples == reports[0].examples },
      "the reports of a summary must share the network, tier and images")
    self.reports = reports
  }

  private var first: RobustnessReport { reports[0] }

  /// The ε values of every report, merged in increasing order.
  public var epsilons: [Rational] {
    var seen: [Rational] = []
    for report in reports { for r in report.results where !seen.contains(r.epsilon) { seen.append(r.epsilon) } }
    return seen.sorted()
  }

  /// A plain-text table, one row per ε and a certified-accuracy column per method.
  ///
  ///     network 784-256-10, float64 tier, 10000 images, clean accuracy 85.51%
  ///     epsilon          ibp      crown
  ///     0.003         77.99%     83.45%
  ///     seconds        0.412      2.031
  public func table() -> String {
    var lines = [
      "network \(first.widths.map(String.init).joined(separator: "-")), \(first.tier) tier, \(first.examples) images, "
        + "clean accuracy \(percentText(first.cleanAccuracy))"
    ]
    lines.append(padded("epsilon", 10) + reports.map { padded($0.method.rawValue, 11, right: true) }.joined())
    for epsilon in epsilons {
      let cells = reports.map { report in
        report.results.first { $0.epsilon == epsilon }.map { percentText($0.certifiedAccuracy) } ?? "-"
      }
      lines.append(padded(decimal(epsilon), 10) + cells.map { padded($0, 11, right: true) }.joined())
    }
    let seconds = reports.map { report in String(format: "%.3f", report.results.reduce(0) { $0 + $1.seconds }) }
    lines.append(padded("seconds", 10) + seconds.map { padded($0, 11, right: true) }.joined())
    return lines.joined(separator: "\n")
  }

  /// One line of JSON with a fixed key order:
  /// `{"definitions", "widths", "tier", "examples", "clean_accuracy", "clean_seconds", "results":
  /// [{"eps", "method", "certified_accuracy", "clean_accuracy", "seconds", "certified"}]}`.
  public func json() -> String {
    "{\"definitions\":\(Audits.definitionsVersion),\"widths\":[\(first.widths.map(String.init).joined(separator: ","))],"
      + "\"tier\":\"\(first.tier)\",\"examples\":\(first.examples),\"clean_accuracy\":\(first.cleanAccuracy),"
      + "\"clean_seconds\":\(first.cleanSeconds),\"results\":[\(reports.flatMap(\.jsonRows).joined(separator: ","))]}"
  }

  /// The plot of certified accuracy against ε, one curve per method (`AccuracyPlot`).
  public func svg() -> String { AccuracyPlot(summary: self).svg() }
}
