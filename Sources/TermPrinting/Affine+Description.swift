// The readable printing of index expressions (`2*i + p - 1`), for messages and people: outside the
// kernel, as `Term+Description.swift` is. Nothing the kernel accepts depends on it; its refusal
// messages interpolate expressions, which finds this conformance at run time in any program that
// links this module (Package.swift).

import ProofKernel

extension Affine: CustomStringConvertible {
  /// Readable infix form: `2*i + p - 1`, `n - 1`.
  public var description: String {
    var out = ""
    for (v, c) in terms {
      let mag = c.magnitude == 1 ? v.name : "\(c.magnitude)*\(v.name)"
      out += out.isEmpty ? (c < 0 ? "-" + mag : mag) : (c < 0 ? " - " : " + ") + mag
    }
    if out.isEmpty { return String(constant) }
    if constant != 0 { out += constant < 0 ? " - \(constant.magnitude)" : " + \(constant)" }
    return out
  }
}
