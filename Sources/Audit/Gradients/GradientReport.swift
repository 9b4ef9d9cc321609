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
  public var checks: [DirectionalCheck]
  /// The exact batch-mean loss, enclosed.
  public var loss: (lower: Double, upper: Double)
  /// The trainer's Float32 loss.
  public var floatLoss: Double
  /// Seconds to replay, compute the Float32 gradient and enclose the exact one.
  public var encloseSeconds: Double
  /// Seconds for everything, finite differences included.
  public var totalSeconds: Double

  /// Every tensor within its bound and every finite-difference check consistent.
  public var passed: Bool { tensors.allSatisfy(\.withinBound) && checks.allSatisfy(\.consistent) }

  /// A table for the terminal.
  public func table() -> String {
    var lines = ["gradient audit: batch \(batch), MPFI \(precision) bits, loss \(number(loss.lower))..\(number(loss.upper)) (Float32 \(number(floatLoss)))", ""]
    let header = ["tensor", "entries", "max abs error", "max rel error", "max ulps", "max bound", "within bound"]
    var rows = [header]
    for t in tensors {
      let within = t.withinBound ? "yes" : "NO (\(t.outside) outside, \(t.undecided) undecided)"
      rows.append([t.name, "\(t.count)", number(t.maxAbsError), number(t.maxRelError), number(t.maxUlps), number(t.maxBound), within])
    }
    let widths = header.indices.map { c in rows.map { $0[c].count }.max()! }
    for (r, row) in rows.enumerated() {
      lines.append(row.enumerated().map { c, cell in c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[c] - cell.count) + cell }.joined(separator: "  "))
      if r == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
    }
    if tensors.contains(where: { $0.relativeUndefined > 0 }) {
      lines.append("(relative errors leave out entries whose exact value may be 0: \(tensors.map { "\($0.name) \($0.relativeUndefined)" }.joined(separator: ", ")))")
    }
    lines.append("")
    let kinkText = kinks.keys.sorted().map { "\($0): \(kinks[$0]!.exact) exactly 0, \(kinks[$0]!.undecided) undecided" }
    lines.append("relu kinks (inputs where the certified rule's x != 0 fails): " + (kinkText.isEmpty ? "none checked" : kinkText.joined(separator: "; ")))
    for (k, c) in checks.enumerated() {
      lines.append("finite differences \(k + 1) (seed \(c.seed), h \(number(c.step))): quotient [\(number(c.quotient.lower)), \(number(c.quotient.upper))], "
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
        + "\"relative_undefined\":\(t.relativeUndefined),\"max_ulps\":\(jsonNumber(t.maxUlps)),\"max_bound\":\(jsonNumber(t.maxBound)),"
        + "\"within_bound\":\(t.withinBound),\"outside\":\(t.outside),\"undecided\":\(t.undecided)}"
    }.joined(separator: ",")
    let kinksJSON = kinks.keys.sorted().map { "\(quoted($0)):{\"exact\":\(kinks[$0]!.exact),\"undecided\":\(kinks[$0]!.undecided)}" }.joined(separator: ",")
    let checksJSON = checks.map { c in
      "{\"seed\":\(c.seed),\"step\":\(jsonNumber(c.step)),\"quotient\":[\(jsonNumber(c.quotient.lower)),\(jsonNumber(c.quotient.upper))],"
        + "\"derivative\":[\(jsonNumber(c.derivative.lower)),\(jsonNumber(c.derivative.upper))],\"gap\":\(jsonNumber(c.gap)),"
        + "\"tolerance\":\(jsonNumber(c.tolerance)),\"consistent\":\(c.consistent)}"
    }.joined(separator: ",")
    return "{\"batch\":\(batch),\"precision\":\(precision),\"loss\":[\(jsonNumber(loss.lower)),\(jsonNumber(loss.upper))],\"float_loss\":\(jsonNumber(floatLoss)),"
      + "\"tensors\":[\(tensorsJSON)],\"kinks\":{\(kinksJSON)},\"finite_differences\":[\(checksJSON)],"
      + "\"passed\":\(passed),\"seconds\":{\"enclose\":\(jsonNumber(encloseSeconds)),\"total\":\(jsonNumber(totalSeconds))}}"
  }
}

private func number(_ x: Double) -> String {
  if x == 0 { return "0" }
  if !x.isFinite { return "\(x)" }
  return String(format: abs(x) >= 1e-3 && abs(x) < 1e5 ? "%.4g" : "%.3e", x)
}

private func jsonNumber(_ x: Double) -> String {
  x.isFinite ? "\(x)" : "null"
}

private func quoted(_ s: String) -> String {
  "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}
