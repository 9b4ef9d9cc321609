import Exact

/// A robustness audit's verdicts image by image, as JSON Lines: one object per image and ε, in
/// image order then ε order (`certify audit robustness --per-image FILE`; Docs/Audits.md, "Per-image
/// results").
///
///     {"image":0,"eps":0.003,"label":9,"prediction":9,"ibp":{"certified":true,"margin_lower":2.41},
///      "crown":{"certified":true,"margin_lower":3.07},"pgd":{"attacked":false,"broken":false}}
///
/// `margin_lower` is a sound lower bound of the worst margin `min_j (z_label − z_j)` over the
/// clipped ball, rounded down (`null` where an overflow left none); the image is certified when
/// it is positive. With attacks, `pgd` says whether the image was searched (correct and certified
/// by no method) and broken; a broken correct image adds `margin` (the worst margin at the example,
/// in Float64, ≤ 0) and, when the examples were saved, `example` (the `.npy` file's name).
public struct PerImageReport: Sendable {
  public let summary: RobustnessSummary
  /// The true class of each image.
  public let labels: [Int]
  /// The exact network's class of each image (`RobustnessAudit.predictions`), nil on a tie.
  public let predictions: [Int?]
  /// Per attack in `summary.attacks`, per image, the saved example's file name, if saved.
  public let savedExamples: [[String?]]

  /// - Precondition: one label and prediction per image; `savedExamples` empty or one list per attack.
  public init(summary: RobustnessSummary, labels: [Int], predictions: [Int?], savedExamples: [[String?]] = []) {
    let n = summary.reports[0].examples
    precondition(labels.count == n && predictions.count == n, "one label and prediction per image")
    precondition(savedExamples.isEmpty || savedExamples.count == summary.attacks.count, "one list of saved examples per attack")
    self.summary = summary
    self.labels = labels
    self.predictions = predictions
    self.savedExamples = savedExamples
  }

  /// The lines, each ended by a newline.
  public func jsonLines() -> String {
    var text = ""
    for image in labels.indices {
      for epsilon in summary.epsilons { text += line(image: image, epsilon: epsilon) + "\n" }
    }
    return text
  }

  private func line(image: Int, epsilon: Rational) -> String {
    var text = "{\"image\":\(image),\"eps\":\(jsonNumber(epsilon)),\"label\":\(labels[image]),"
    text += "\"prediction\":\(predictions[image].map(String.init) ?? "null")"
    var certifiedByAny = false
    for report in summary.reports {
      guard let result = report.results.first(where: { $0.epsilon == epsilon }) else { continue }
      certifiedByAny = certifiedByAny || result.certified[image]
      text += ",\"\(report.method.rawValue)\":{\"certified\":\(result.certified[image]),"
        + "\"margin_lower\":\(jsonNumber(result.worstMarginLower[image]))"
      if report.method == .bab && !result.falsified.isEmpty {
        let verdict: Verdict = result.certified[image] ? .certified : result.falsified[image] ? .falsified : .unknown
        text += ",\"verdict\":\"\(verdict.rawValue)\""
        if image < result.domains.count { text += ",\"domains\":\(result.domains[image])" }
      }
      text += "}"
    }
    if let k = summary.attacks.firstIndex(where: { $0.epsilon == epsilon }) {
      let attack = summary.attacks[k]
      let attacked = attack.cleanCorrect[image] && !certifiedByAny
      text += ",\"pgd\":{\"attacked\":\(attacked),\"broken\":\(attack.broken[image])"
      if let margin = attack.exampleMargins[image] { text += ",\"margin\":\(jsonNumber(margin))" }
      if !savedExamples.isEmpty, let name = savedExamples[k][image] { text += ",\"example\":\(quoted(name))" }
      text += "}"
    }
    return text + "}"
  }
}
