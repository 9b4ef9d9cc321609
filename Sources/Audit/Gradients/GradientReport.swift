import Foundation

/// The result of a gradient audit: per parameter tensor the errors of the Float32 gradient, the
/// ReLU kinks met, and the finite-difference checks.
public struct GradientReport: Sendable {
  /// ReLU inputs exactly 0 (the certified rule's side condition fails there) and inputs whose
  /// enclosure straddles 0, over the batch.
  public struct Kinks: Sendable, Equatable {
    public var exact: Int
    public var undecided: Int
  }

  public var batch: Int
  public var precision: Int
  public var tensors: [TensorErrors]
  /// By relu layer name (`relu1`).
  public var kinks: [String: Kinks]
  /// By max-pool layer name: comparisons of the certified rule's nested maxima that were exactly
  /// equal (its `!= 0` side conditions fail: there the rule's `step(0) = 0` picks one entry, the
  /// trainer the first maximum of the window) or undecided by the enclosure.
  public var ties: [String: Kinks] = [:]
  /// Why no tensor has an a priori bound (the layer without a rounding model), nil when all do.
  public var unbounded: String?
  public var checks: [DirectionalCheck]
  /// The exact batch-mean loss, enclosed.
  public var loss: (lower: Double, upper: Double)
  /// The trainer's Float32 loss.
  public var floatLoss: Double
  /// Seconds to replay, compute the Float32 gradient and enclose the exact one.
  public var encloseSeconds: Double
  /// Seconds for everything, finite differences included.
  public var totalSeconds: Double
  /// Every entry's enclosure, Float32 value and bound, with the batch (`--enclosures`).
  public var arrays: GradientEnclosureArrays

  /// Every bounded tensor within its bound and every finite-difference check consistent.
  public var passed: Bool { tensors.allSatisfy { !$0.bounded || $0.withinBound } && checks.allSatisfy(\.consistent) }

  /// The one-line verdict the table starts with.
  public var verdict: String {
    let outside = tensors.filter { $0.bounded && !$0.withinBound }.map(\.name)
    let inconsistent = checks.filter { !$0.consistent }.count
    if passed, let unbounded {
      let fd = checks.isEmpty ? "" : "; \(checks.count) finite-difference check\(checks.count == 1 ? "" : "s") consistent"
      return "NO A PRIORI BOUND: the exact gradient is enclosed and the Float32 gradient's error measured, but \(unbounded), so nothing bounds it a priori\(fd)"
    }
    if passed {
      let fd = checks.isEmpty ? "" : "; \(checks.count) finite-difference check\(checks.count == 1 ? "" : "s") consistent"
      // A bound above the gradient's own scale is sound and says nothing: said, so that PASSED is
      // not read as a useful bound (the trained ViT's, Docs/Audits.md "How tight").
      let vacuous = tensors.filter { $0.bounded && !($0.maxBound < $0.scale) }.map(\.name)
      let note = vacuous.isEmpty ? "" : "; but the bound is at least the gradient's own scale in \(vacuous.count) of \(tensors.count) tensors (\(vacuous.prefix(3).joined(separator: ", "))\(vacuous.count > 3 ? ", ..." : "")), where it says nothing"
      return "PASSED: every entry of the trainer's Float32 gradient is within the a priori rounding bound of the exact gradient\(note)\(fd)"
    }
    var reasons: [String] = []
    if !outside.isEmpty { reasons.append("entries not certainly within the a priori bound in \(outside.joined(separator: ", "))") }
    if inconsistent > 0 { reasons.append("\(inconsistent) finite-difference check\(inconsistent == 1 ? "" : "s") inconsistent") }
    return "FAILED: " + reasons.joined(separator: "; ")
  }

  /// A table for the terminal: the verdict, the input convention, then per tensor the absolute
  /// error beside the tensor's scale, the error relative to the gradient's norm, the relative error
  /// where the exact value is away from zero, and the a priori bound.
  public func table() -> String {
    var lines = [
      verdict,
      "batch \(batch), MPFI \(precision) bits; loss \(number(loss.lower))..\(number(loss.upper)) (Float32 \(number(floatLoss)))",
      "inputs: the trainer's Float32 features (pixel / 255 rounded to Float32, not the exact quotient) and the Float32 weights as stored",
      "",
    ]
    let header = ["tensor", "entries", "scale max|g|", "max abs error", "abs error/scale", "‖error‖/‖g‖", "rel error, |g|≥scale/1000", "a priori bound", "within bound"]
    var rows = [header]
    for t in tensors {
      let within = !t.bounded ? "NO A PRIORI BOUND" : t.withinBound ? "yes" : "NO (\(t.outside) outside, \(t.undecided) undecided)"
      rows.append([
        t.name, "\(t.count)", number(t.scale), number(t.maxAbsError), number(ratio(t.maxAbsError, t.scale)),
        number(ratio(t.normError, t.norm)), number(t.maxRelErrorAwayFromZero), t.bounded ? number(t.maxBound) : "none", within,
      ])
    }
    let widths = header.indices.map { c in rows.map { $0[c].count }.max()! }
    for (r, row) in rows.enumerated() {
      lines.append(row.enumerated().map { c, cell in c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[c] - cell.count) + cell }.joined(separator: "  "))
      if r == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
    }
    let actual = tensors.map(\.maxAbsError).max() ?? 0, bound = tensors.filter(\.bounded).map(\.maxBound).max() ?? 0
    if let unbounded { lines.append("no a priori bound: \(unbounded)") } else { lines.append(
      "a priori bound: a worst case over every summation order, blocking and thread count, which proves no entry can be worse; "
        + "it is not an estimate\(actual > 0 && bound.isFinite ? " (here \(number(bound / actual)) times the largest actual error)" : "").") }
    lines.append("")
    let kinkText = kinks.keys.sorted().map { "\($0): \(kinks[$0]!.exact) exactly 0, \(kinks[$0]!.undecided) undecided" }
    lines.append("relu kinks (inputs where the certified rule's x != 0 fails): " + (kinkText.isEmpty ? "none checked" : kinkText.joined(separator: "; ")))
    if !ties.isEmpty {
      let tieText = ties.keys.sorted().map { "\($0): \(ties[$0]!.exact) exactly equal, \(ties[$0]!.undecided) undecided" }
      lines.append("max-pool ties (comparisons where the certified rule's != 0 fails; the rule picks one entry, the trainer the first maximum): "
        + tieText.joined(separator: "; "))
    }
    for (k, c) in checks.enumerated() {
      // The quotient is one Float64 number (a consistency check); the derivative an enclosure.
      let quotient = c.quotient.lower == c.quotient.upper
        ? "\(number(c.quotient.lower)) (Float64)" : "[\(number(c.quotient.lower)), \(number(c.quotient.upper))]"
      lines.append("finite differences \(k + 1) (seed \(c.seed), h \(number(c.step))): quotient \(quotient), "
        + "<grad, v> [\(number(c.derivative.lower)), \(number(c.derivative.upper))], gap \(number(c.gap)) \(c.consistent ? "<=" : ">") \(number(c.tolerance)): \(c.consistent ? "consistent" : "INCONSISTENT")")
    }
    lines.append(String(format: "seconds: %.2f to enclose, %.2f in all", encloseSeconds, totalSeconds))
    return lines.joined(separator: "\n")
  }

  /// One line of JSON: `{"tensors": [{"name", "max_abs_error", "max_rel_error", "max_ulps",
  /// "within_bound", ...}], ...}`.
  public func json() -> String {
    let tensorsJSON = tensors.map { t in
      "{\"name\":\(quoted(t.name)),\"entries\":\(t.count),\"max_abs_error\":\(jsonNumber(t.maxAbsError)),\"max_rel_error\":\(jsonNumber(t.maxRelError)),"
        + "\"relative_undefined\":\(t.relativeUndefined),\"max_ulps\":\(jsonNumber(t.maxUlps)),\"max_bound\":\(t.bounded ? jsonNumber(t.maxBound) : "null"),"
        + "\"scale\":\(jsonNumber(t.scale)),\"norm\":\(jsonNumber(t.norm)),\"norm_error\":\(jsonNumber(t.normError)),"
        + "\"max_rel_error_away_from_zero\":\(jsonNumber(t.maxRelErrorAwayFromZero)),"
        + "\"bounded\":\(t.bounded),\"within_bound\":\(t.bounded ? "\(t.withinBound)" : "null"),\"outside\":\(t.outside),\"undecided\":\(t.undecided)}"
    }.joined(separator: ",")
    let kinksJSON = kinks.keys.sorted().map { "\(quoted($0)):{\"exact\":\(kinks[$0]!.exact),\"undecided\":\(kinks[$0]!.undecided)}" }.joined(separator: ",")
    let tiesJSON = ties.keys.sorted().map { "\(quoted($0)):{\"exact\":\(ties[$0]!.exact),\"undecided\":\(ties[$0]!.undecided)}" }.joined(separator: ",")
    let checksJSON = checks.map { c in
      "{\"seed\":\(c.seed),\"step\":\(jsonNumber(c.step)),\"quotient\":[\(jsonNumber(c.quotient.lower)),\(jsonNumber(c.quotient.upper))],"
        + "\"derivative\":[\(jsonNumber(c.derivative.lower)),\(jsonNumber(c.derivative.upper))],\"gap\":\(jsonNumber(c.gap)),"
        + "\"tolerance\":\(jsonNumber(c.tolerance)),\"consistent\":\(c.consistent)}"
    }.joined(separator: ",")
    return "{\"verdict\":\(quoted(verdict)),\"inputs\":\"float32 features as the trainer computes them\",\"batch\":\(batch),\"precision\":\(precision),\"loss\":[\(jsonNumber(loss.lower)),\(jsonNumber(loss.upper))],\"float_loss\":\(jsonNumber(floatLoss)),"
      + "\"tensors\":[\(tensorsJSON)],\"kinks\":{\(kinksJSON)},\"ties\":{\(tiesJSON)},\"unbounded\":\(unbounded.map(quoted) ?? "null"),\"finite_differences\":[\(checksJSON)],"
      + "\"passed\":\(passed),\"seconds\":{\"enclose\":\(jsonNumber(encloseSeconds)),\"total\":\(jsonNumber(totalSeconds))}}"
  }
}

/// `a / b`, or infinity when `b` is 0 and `a` is not.
private func ratio(_ a: Double, _ b: Double) -> Double {
  a == 0 ? 0 : b > 0 ? (a / b).nextUp : .infinity
}

private func number(_ x: Double) -> String {
  if x == 0 { return "0" }
  if !x.isFinite { return "\(x)" }
  return String(format: abs(x) >= 1e-3 && abs(x) < 1e5 ? "%.4g" : "%.3e", x)
}


