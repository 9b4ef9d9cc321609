// The readable text of the kernel's refusals (`sum-count: side condition not discharged: ...`):
// outside the kernel, as `Term+Description.swift` is, since nothing the kernel accepts depends on
// it. A program printing a `KernelError` finds this conformance at run time if it links this
// module, as every module that reports kernel errors does (Package.swift).

import ProofKernel

extension KernelError: CustomStringConvertible {
  public var description: String {
    switch self {
    case let .malformed(what, reason): return "\(what): \(reason)"
    case let .ruleMismatch(rule, reason): return "\(rule): \(reason)"
    case let .sideCondition(rule, condition): return "\(rule): side condition not discharged: \(condition)"
    case let .undischarged(rule, hypothesis): return "\(rule): hypothesis not stated and not provable: \(hypothesis)"
    case let .overflow(what): return "integer overflow in \(what)"
    }
  }
}
