public import Certificates
import Foundation
public import ProofKernel
import Train

/// A layer rule as its certificate proves it: the kernel theorem
/// `vjp(o: S -> y[o], v, dy)[at] = formula` (a layer) or `grad(L, v)[at] = formula` (a loss),
/// taken apart into what the gradient audit evaluates.
///
/// Nothing here is typed by hand: the theorem is replayed through the kernel from the certificate
/// in the store, and must serialize exactly as the statement the trainer implements
/// (`RuleCertification.expected`), the check the trainer makes before it builds a model. The
/// output definition (`y` with its body `sum(i: I) W[o, i] * x[i] + b[o]`, or the loss `L`) is the
/// one inside the theorem's left side; the formula is its right side.
public struct ReplayedRule: Sendable {
  /// `"dense.W"`.
  public let name: String
  /// The replayed theorem.
  public let theorem: Theorem
  /// SHA-256 of the theorem's serialization.
  public let sha256: String
  /// The block's output: a layer's `y[o]` or a loss's `L`, with its body.
  public let output: Definition
  /// The tensor the rule differentiates in (`W`).
  public let variable: String
  /// The upstream gradient (`dy`), nil for a loss.
  public let seed: String?
  /// The free indices of the formula, in the order of the variable's axes (`["o", "i"]`).
  public let indices: [String]
  /// The right side: the formula the trainer's kernel computes.
  public let formula: Term

  /// The rule `name`, replayed from its certificate in `store`.
  /// - Throws: `GradientAuditError.certificate` when the certificate is missing, does not replay,
  ///   or proves another statement than the trainer's; `.unsupportedFormula` for a theorem not of
  ///   the `vjp`/`grad` form.
  public static func load(_ name: String, from store: CertificateStore) throws(GradientAuditError) -> ReplayedRule {
    func fail(_ reason: String) -> GradientAuditError { .certificate(rule: name, reason: reason) }
    let expected: String
    do {
      guard let e = try RuleCertification.expected(name) else { throw fail("the trainer implements no rule of this name") }
      expected = e.serialization
    } catch let error as GradientAuditError { throw error } catch { throw fail("\(error)") }
    let replayed: ReplayedTheorem
    // The theorem file the trainer's block comes from (Theorems/layers.thm, cnn.thm, maxpool.thm).
    switch store.status(of: name, source: RuleCertification.source(of: name), expecting: expected) {
    case let .accepted(r): replayed = r
    case let .missing(looked): throw fail("no certificate in \(looked)")
    case let .rejected(r): throw fail("the certificate is rejected: \(r)")
    case let .stale(r): throw fail("the certificate proves another statement than the trainer implements: \(r.theorem)")
    }
    return try ReplayedRule(name: name, theorem: replayed.theorem, sha256: replayed.sha256)
  }

  /// Takes a replayed theorem apart.
  init(name: String, theorem: Theorem, sha256: String) throws(GradientAuditError) {
    guard case .vjp(let v) = theorem.lhs.node, case .reference(let output, _) = v.output.node else {
      throw GradientAuditError.unsupportedFormula(rule: name, reason: "the theorem is not vjp(...) or grad(...) of a definition")
    }
    var indices: [String] = []
    for a in v.at {
      guard a.constant == 0, a.terms.count == 1, a.terms[0].coefficient == 1, case .index(let i) = a.terms[0].variable else {
        throw GradientAuditError.unsupportedFormula(rule: name, reason: "the gradient is read at \(a), not at a plain index")
      }
      indices.append(i)
    }
    self.name = name
    self.theorem = theorem
    self.sha256 = sha256
    self.output = output
    variable = v.wrt.name
    seed = v.seed?.name
    self.indices = indices
    formula = theorem.rhs
  }
}
