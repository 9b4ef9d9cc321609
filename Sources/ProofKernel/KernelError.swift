/// Why the kernel refused: every error names the rule (or constructor) that refused and what failed.
public enum KernelError: Error, Equatable, Sendable {
  /// A term constructor refused ill-formed input (`what` names the constructor).
  case malformed(what: String, reason: String)
  /// A rule's premise or position does not have the shape the rule needs.
  case ruleMismatch(rule: String, reason: String)
  /// A rule's side condition does not hold or cannot be checked by the kernel.
  case sideCondition(rule: String, condition: String)
  /// An assumption the proof used is neither stated nor provable by the kernel's positivity check.
  case undischarged(rule: String, hypothesis: String)
  /// Index arithmetic left the range of machine integers.
  case overflow(what: String)
}
/// Checked machine-integer arithmetic: index coefficients are `Int`, and overflow is an error, not a trap.
enum Checked {
  static func add(_ a: Int, _ b: Int) throws -> Int {
    let (r, o) = a.addingReportingOverflow(b)
    if o { throw KernelError.overflow(what: "index arithmetic") }
    return r
  }
  static func mul(_ a: Int, _ b: Int) throws -> Int {
    let (r, o) = a.multipliedReportingOverflow(by: b)
    if o { throw KernelError.overflow(what: "index arithmetic") }
    return r
  }
}

/// Identifiers: a letter or `_`, then letters, digits, `_` or `'` (primes come from renaming).
func isIdentifier(_ s: String) -> Bool {
  // ASCII only, so "alphabetic" is exactly A-Z and a-z.
  func letter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
  guard let first = s.utf8.first, letter(first) else { return false }
  return s.utf8.allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) || $0 == 39 }
}

func requireIdentifier(_ s: String, in what: String) throws {
  guard isIdentifier(s) else { throw KernelError.malformed(what: what, reason: "\"\(s)\" is not an identifier") }
}
