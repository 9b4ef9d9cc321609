import Exact
import Foundation

// Text helpers shared by the report tables.

/// `0.8551` as `85.51%`.
func percentText(_ fraction: Double) -> String { String(format: "%.2f%%", 100 * fraction) }

/// `text` padded with spaces to `width` characters, on the left when `right` (right-aligned).
func padded(_ text: String, _ width: Int, right: Bool = false) -> String {
  let fill = String(repeating: " ", count: max(0, width - text.count))
  return right ? fill + text : text + fill
}

/// A Double as a JSON number, `null` when it is infinite or NaN (JSON has neither).
func jsonNumber(_ x: Double) -> String {
  x.isFinite ? "\(x)" : "null"
}

/// A string as a JSON string literal.
func quoted(_ s: String) -> String {
  "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}
