// The readable printing of constraints and guards (`i >= 0 and n - 1 - i >= 0`), for messages and
// people: outside the kernel, as `Term+Description.swift` is. Nothing the kernel accepts depends on
// it; its refusal messages interpolate guards, which finds these conformances at run time in any
// program that links this module (Package.swift).

import ProofKernel

extension Constraint: CustomStringConvertible {
  public var description: String { "\(expression) \(relation == .equal ? "==" : ">=") 0" }
}

extension Guard: CustomStringConvertible {
  public var description: String {
    isFalse ? "false" : constraints.isEmpty ? "true" : constraints.map(\.description).joined(separator: " and ")
  }
}
