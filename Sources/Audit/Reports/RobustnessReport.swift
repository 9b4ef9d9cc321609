import Exact
import Intervals
import Foundation

/// Which images were certified at one ε, and how long it took.
public struct EpsilonResult: Sendable {
  /// The radius of the L∞ ball, in the [0, 1] pixel scale.
  public let epsilon: Rational
  /// Per image: every margin provably positive on the clipped ball.
  public let certified: [Bool]
  /// Per image: a lower bound of the worst margin `min_j (z_true − z_j)` over the clipped ball,
  /// rounded down to a Double (`−∞` where an overflow left none).
  public let worstMarginLower: [Double]
  /// Wall-clock seconds for all images.
  public let seconds: Double
  /// Branch and bound only: per image, a counterexample was found and checked exactly (empty for
  /// the other methods). An image neither certified nor falsified is unknown.
  public var falsified: [Bool] = []
  /// Branch and bound only: per falsified image, the point found (exact Doubles in the ball).
  public var counterexamples: [[Double]?] = []
  /// Branch and bound only: per image, the subdomains bounded (0 where none were split).
  public var domains: [Int] = []

  /// The number of falsified images (branch and bound).
  public var falsifiedCount: Int { falsified.count { $0 } }

  /// The number of certified images.
  public var certifiedCount: Int { certified.count { $0 } }
  /// The fraction of images certified (a certified image is correctly classified).
  public var certifiedAccuracy: Double { certified.isEmpty ? 0 : Double(certifiedCount) / Double(certified.count) }
}

/// The result of `RobustnessAudit.run`: clean accuracy and certified accuracy per ε, as a table or
/// JSON.
public struct RobustnessReport: Sendable {
  /// The network's widths, input first.
  public let widths: [Int]
  public let method: RobustnessMethod
  public let tier: AuditTier
  /// Per image: the exact network classifies it correctly.
  public let cleanCorrect: [Bool]
  /// Seconds spent deciding clean accuracy.
  public let cleanSeconds: Double
  /// One result per ε, in the order asked.
  public let results: [EpsilonResult]

  /// The number of images.
  public var examples: Int { cleanCorrect.count }
  /// The fraction of images the exact network classifies correctly.
  public var cleanAccuracy: Double { cleanCorrect.isEmpty ? 0 : Double(cleanCorrect.count { $0 }) / Double(cleanCorrect.count) }

  /// A plain-text table: one row per ε.
  ///
  ///     network 784-256-10, crown, float64, 10000 images, clean accuracy 88.12%
  ///     epsilon   certified   accuracy   seconds
  ///     0.003          8123    81.23%       1.52
  public func table() -> String {
    var lines = [
      "network \(widths.map(String.init).joined(separator: "-")), \(method.rawValue), \(tier), \(examples) images, "
        + "clean accuracy \(percentText(cleanAccuracy))"
    ]
    lines.append("epsilon     certified   accuracy    seconds")
    for result in results {
      lines.append(
        padded(decimal(result.epsilon), 10) + padded("\(result.certifiedCount)", 12, right: true)
          + padded(percentText(result.certifiedAccuracy), 11, right: true) + padded(String(format: "%.3f", result.seconds), 11, right: true))
    }
    return lines.joined(separator: "\n")
  }

  /// The report as one line of JSON with a fixed key order: the network, tier and clean
  /// accuracy, and a row per ε (`RobustnessSummary` merges several methods' rows).
  public func json() -> String { RobustnessSummary(reports: [self]).json() }

  /// One JSON object per ε: `{"eps", "method", "certified_accuracy", "clean_accuracy", "seconds",
  /// "certified"}`.
  var jsonRows: [String] {
    results.map { r in
      "{\"eps\":\(jsonNumber(r.epsilon)),\"method\":\"\(method.rawValue)\",\"certified_accuracy\":\(r.certifiedAccuracy),"
        + "\"clean_accuracy\":\(cleanAccuracy),\"seconds\":\(r.seconds),\"certified\":\(r.certifiedCount)"
        + (method == .bab ? ",\"falsified\":\(r.falsifiedCount),\"unknown\":\(r.certified.count - r.certifiedCount - r.falsifiedCount)}" : "}")
    }
  }
}

/// A rational as a JSON number: its decimal when it has one, else the nearest Double.
func jsonNumber(_ value: Rational) -> String {
  let text = decimal(value)
  return text.contains("/") ? "\(Double(value))" : text
}

/// A rational as a decimal when its denominator divides a power of ten (`3/1000` → `0.003`),
/// else as `p/q`.
func decimal(_ value: Rational) -> String {
  var scaled = value, digits = 0
  while !scaled.isInteger && digits < 30 {
    scaled *= 10
    digits += 1
  }
  guard scaled.isInteger else { return value.description }
  let negative = scaled < 0
  var text = (negative ? -scaled : scaled).description
  if digits > 0 {
    if text.count <= digits { text = String(repeating: "0", count: digits - text.count + 1) + text }
    text.insert(".", at: text.index(text.endIndex, offsetBy: -digits))
  }
  return negative ? "-" + text : text
}
