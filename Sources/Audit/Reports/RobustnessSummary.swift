import Exact
import Foundation

/// Several methods' robustness reports on the same network, data and tier, side by side: the
/// terminal table, the JSON and the plot of `certify audit robustness`.
public struct RobustnessSummary: Sendable {
  /// One report per method, in the order run.
  public let reports: [RobustnessReport]
  /// PGD results on the same images, one per ε attacked (possibly none): the upper side.
  public let attacks: [AttackResult]

  /// - Precondition: at least one report, all on the same network, tier and images.
  public init(reports: [RobustnessReport], attacks: [AttackResult] = []) {
    precondition(!reports.isEmpty, "a summary needs at least one report")
    precondition(
      reports.allSatisfy { $0.widths == reports[0].widths && $0.tier == reports[0].tier && $0.examples == reports[0].examples },
      "the reports of a summary must share the network, tier and images")
    precondition(attacks.allSatisfy { $0.broken.count == reports[0].examples }, "attacks must be on the report's images")
    self.reports = reports
    self.attacks = attacks
  }

  private var first: RobustnessReport { reports[0] }

  /// The ε values of every report and attack, merged in increasing order.
  public var epsilons: [Rational] {
    var seen: [Rational] = []
    for report in reports { for r in report.results where !seen.contains(r.epsilon) { seen.append(r.epsilon) } }
    for a in attacks where !seen.contains(a.epsilon) { seen.append(a.epsilon) }
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
    let pgd = attacks.isEmpty ? [] : ["pgd"]
    // 11 characters a column, one more than the longest name (alpha-crown) needs a space before it.
    let width = reports.contains { $0.method.rawValue.count >= 11 } ? 12 : 11
    lines.append(padded("epsilon", 10) + (reports.map(\.method.rawValue) + pgd).map { padded($0, width, right: true) }.joined())
    for epsilon in epsilons {
      var cells = reports.map { report in
        report.results.first { $0.epsilon == epsilon }.map { percentText($0.certifiedAccuracy) } ?? "-"
      }
      if !attacks.isEmpty { cells.append(attacks.first { $0.epsilon == epsilon }.map { percentText($0.unbrokenAccuracy) } ?? "-") }
      lines.append(padded(decimal(epsilon), 10) + cells.map { padded($0, width, right: true) }.joined())
    }
    var seconds = reports.map { report in String(format: "%.3f", report.results.reduce(0) { $0 + $1.seconds }) }
    if !attacks.isEmpty { seconds.append(String(format: "%.3f", attacks.reduce(0) { $0 + $1.seconds })) }
    lines.append(padded("seconds", 10) + seconds.map { padded($0, width, right: true) }.joined())
    if let bab = reports.first(where: { $0.method == .bab }) {
      let counts = epsilons.compactMap { epsilon in bab.results.first { $0.epsilon == epsilon } }
        .map { "\(decimal($0.epsilon)): \($0.falsifiedCount) falsified, \($0.certified.count - $0.certifiedCount - $0.falsifiedCount) unknown" }
      lines.append("bab: " + counts.joined(separator: "; "))
    }
    if !attacks.isEmpty {
      let methods = reports.map(\.method.rawValue).joined(separator: ", ")
      lines.append("\(methods): certified (a lower bound on robust accuracy); pgd: not broken by the attack (an upper bound)")
    }
    return lines.joined(separator: "\n")
  }

  /// One line of JSON with a fixed key order:
  /// `{"definitions", "widths", "tier", "examples", "clean_accuracy", "clean_seconds", "results":
  /// [{"eps", "method", "certified_accuracy", "clean_accuracy", "seconds", "certified"}]}`, and
  /// with attacks, `"attacks": [{"eps", "method": "pgd", "unbroken_accuracy", "seconds",
  /// "broken"}]`.
  public func json() -> String {
    let widths = first.widths.map(String.init).joined(separator: ",")
    let rows = reports.flatMap(\.jsonRows).joined(separator: ",")
    var text = "{\"definitions\":\(Audits.definitionsVersion),\"widths\":[\(widths)],\"tier\":\"\(first.tier)\","
    text += "\"examples\":\(first.examples),\"clean_accuracy\":\(first.cleanAccuracy),\"clean_seconds\":\(first.cleanSeconds),"
    text += "\"results\":[\(rows)]"
    if !attacks.isEmpty { text += ",\"attacks\":[\(attacks.map(attackRow).joined(separator: ","))]" }
    return text + "}"
  }

  private func attackRow(_ a: AttackResult) -> String {
    "{\"eps\":\(jsonNumber(a.epsilon)),\"method\":\"pgd\",\"unbroken_accuracy\":\(a.unbrokenAccuracy),\"seconds\":\(a.seconds),"
      + "\"broken\":\(a.broken.count { $0 })}"
  }

  /// The plot of certified accuracy against ε, one curve per method (`AccuracyPlot`).
  public func svg() -> String { AccuracyPlot(summary: self).svg() }
}
