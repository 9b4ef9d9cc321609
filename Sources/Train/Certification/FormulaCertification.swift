public import Certificates
import Algebra
import ProofKernel

/// A formula layer's backward rule, proved by the engine and replayed by the kernel at load.
///
/// `theorem` is the kernel's rebuilt theorem `vjp(i: W -> y[i], x, dy)[j] = g` (hypotheses: the
/// layer's `assume` lines and the range of `j`); the trainer compiles the forward formula and the
/// rule from it, so what runs is what the kernel checked.
public struct CertifiedFormula: Sendable {
  /// The rule's name, `"<layer>.<input>"` (`"swish.x"`): the key in `Sequential.certificateHashes`.
  public let rule: String
  /// The certificate built from the proof (not written to the store: specs are not `Theorems/`).
  public let certificate: Certificate
  /// SHA-256 of the kernel's serialization of the theorem, as certificates and checkpoints record it.
  public let sha256: String
  /// The rule in the theorem language, `vjp x[i] = ...`: the one the block gave, or the one the
  /// engine derived.
  public let ruleText: String
  /// True when the engine derived the rule (the block had no `vjp` line).
  public let derived: Bool
  /// The theorem the kernel rebuilt from the certificate.
  public let theorem: Theorem
}

/// Derives, proves and certifies a formula layer's backward rule, as `certify derive` and
/// `certify prove` do for `.thm` files, then binds it as `RuleCertification` binds the built-in
/// rules: the certificate is replayed through the kernel and the rebuilt theorem's SHA-256 compared
/// with that of the layer's own statement.
enum FormulaCertification {
  /// - Throws: `SpecError` at the block's line: the engine cannot derive the rule (naming why),
  ///   the derivative needs an assumption the block does not state (naming it), the given `vjp`
  ///   line is not the vjp of the output (with the engine's counterexample and the derived rule),
  ///   or the certificate does not replay to the statement.
  static func certify(_ spec: FormulaLayerSpec) throws -> CertifiedFormula {
    let layer = spec.layer
    let x = layer.inputs[0]
    let statement: Statement
    let outcome: ProofOutcome
    let ruleText: String
    if let given = layer.rules.first {
      statement = given
      outcome = Prover.prove(given)
      ruleText = "vjp \(x.name)[\(given.indices.map(\.name).joined(separator: ", "))] = \(TheoremLanguage.print(given.rhs))"
      if let failure = outcome.failure {
        let derived = (try? Deriver.derive(layer, wrt: x)).flatMap { $0.outcome.proved ? $0.text : nil }
        throw spec.error(at: "vjp", refusal(spec, failure, given: true) + (derived.map { "\n  the engine derives: \($0)" } ?? ""))
      }
    } else {
      let derived: DerivedRule
      do {
        derived = try Deriver.derive(layer, wrt: x)
      } catch {
        throw spec.error(at: "output", "layer \(spec.name): the engine cannot derive the backward rule of this formula: \(error)")
      }
      if let failure = derived.outcome.failure {
        throw spec.error(at: "output", refusal(spec, failure, given: false) + "\n  the derived rule: \(derived.text)")
      }
      (statement, outcome, ruleText) = (derived.statement, derived.outcome, derived.text)
    }
    guard let theorem = outcome.theorem else {
      throw spec.error(at: "layer", "layer \(spec.name): the proof produced no theorem")
    }
    do {
      let certificate = try Certificate(name: statement.name, source: spec.locations.file, theorem: theorem, steps: outcome.steps)
      let expected = try Theorem.serialization(hypotheses: statement.hypotheses, lhs: statement.lhs, rhs: statement.rhs)
      let replayed = try Replay.replay(certificate, expecting: expected)
      guard replayed.sha256 == CertificateHash.sha256(of: expected) else {
        throw spec.error(at: "layer", "layer \(spec.name): the certificate proves another statement: \(replayed.theorem)")
      }
      if let counterexample = RuleCertification.falsified(replayed.theorem) {
        throw spec.error(at: "layer", "layer \(spec.name): the certificate of \(statement.name) is rejected: \(counterexample)")
      }
      return CertifiedFormula(rule: statement.name, certificate: certificate, sha256: replayed.sha256, ruleText: ruleText,
                              derived: layer.rules.isEmpty, theorem: replayed.theorem)
    } catch let error as SpecError {
      throw error
    } catch {
      throw spec.error(at: "layer", "layer \(spec.name): the certificate of \(statement.name) is rejected: \(error)")
    }
  }

  /// Why the proof failed, in the spec's words.
  private static func refusal(_ spec: FormulaLayerSpec, _ failure: ProofFailure, given: Bool) -> String {
    let head = "refused: layer \(spec.name): "
    switch failure {
    case let .missingHypothesis(h):
      return head + "the derivative exists only where \(h): state it in the block as 'assume \(h)' "
        + "(the trainer then counts the inputs where it fails, like relu's kinks) or change the formula"
    case .different where given:
      return head + "the vjp line is not the backward rule of the output: \(failure)"
    default:
      return head + (given ? "the vjp line cannot be proved: " : "the derived rule cannot be proved: ") + "\(failure)"
    }
  }
}
