/// Why replay refused a certificate: the step at fault (numbered from 0, as premises are) and the
/// kernel's reason (`KernelError.description`), or, with no step, the field that is wrong.
public struct CertificateRejection: Error, Equatable, Sendable, CustomStringConvertible {
  public var step: Int?
  public var reason: String

  public init(step: Int?, reason: String) {
    self.step = step
    self.reason = reason
  }

  /// A file that could not be read, rejected at the step its error is in (if any).
  public init(_ error: CertificateError) { self.init(step: error.step, reason: error.description) }

  public var description: String { step.map { "step \($0): \(reason)" } ?? reason }
}
