/// Why replay refused a certificate: the step at fault (numbered from 0, as premises are) with the
/// rule it applies and the kernel's reason (`KernelError.description`), or, with no step, the field
/// that is wrong.
public struct CertificateRejection: Error, Equatable, Sendable, CustomStringConvertible {
  public var step: Int?
  /// The rule of the step at fault (`discharge`), when the step could be read.
  public var rule: String?
  public var reason: String

  public init(step: Int?, rule: String? = nil, reason: String) {
    self.step = step
    self.rule = rule
    self.reason = reason
  }

  /// A file that could not be read, rejected at the step its error is in (if any).
  public init(_ error: CertificateError) { self.init(step: error.step, reason: error.description) }

  /// `step 3 (discharge): discharge: hypothesis not stated ...`, or the reason alone.
  public var description: String {
    guard let step else { return reason }
    return "step \(step)" + (rule.map { " (\($0))" } ?? "") + ": " + reason
  }
}
