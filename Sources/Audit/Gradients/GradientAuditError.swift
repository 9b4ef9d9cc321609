/// Why a gradient audit could not run: a model, file, certificate or formula it cannot audit.
public enum GradientAuditError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The model or its inputs do not fit the audit (a layer kind, a width, a batch); says which.
  case invalidModel(String)
  /// A rule's certificate is missing, does not replay, or proves another statement than the
  /// trainer implements.
  case certificate(rule: String, reason: String)
  /// A certified formula uses something the plan compiler does not evaluate (a derivative, a
  /// fractional power, a function without an enclosure here).
  case unsupportedFormula(rule: String, reason: String)
  /// A function evaluated outside its domain (log of an enclosure not certainly positive).
  case outsideDomain(rule: String, reason: String)
  /// The data set could not be read or does not fit the model.
  case data(String)

  public var description: String {
    switch self {
    case let .invalidModel(reason): return "cannot audit the model: \(reason)"
    case let .certificate(rule, reason): return "rule \(rule): \(reason)"
    case let .unsupportedFormula(rule, reason): return "rule \(rule): the formula cannot be evaluated here: \(reason)"
    case let .outsideDomain(rule, reason): return "rule \(rule): \(reason)"
    case let .data(reason): return "data: \(reason)"
    }
  }
}
