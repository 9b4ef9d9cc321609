package import Certificates
import Algebra
import Evaluation
import Foundation
import ProofKernel

/// Why a model was refused: a layer whose rule is not certified as its code implements it.
public struct CertificationError: Error, Sendable, CustomStringConvertible {
  public enum Reason: Sendable, Equatable {
    /// No certificate of that name in the store (where it looked: `CertificateStore.location`).
    case missing(looked: String)
    /// The certificate does not replay through the kernel (tampered, truncated, wrong versions).
    case rejected(step: Int?, rule: String?, reason: String)
    /// It replays, but to another theorem than the one this code implements.
    case stale(certified: String)
    /// The trainer has no compiled-in statement for the rule (a programming error, reported).
    case unknownRule
  }

  public var layer: String
  /// The layer's position in the model, from 0 (the loss comes last).
  public var position: Int
  public var rule: String
  public var reason: Reason

  public var description: String {
    let what: String
    switch reason {
    case let .missing(looked): what = "no certificate for rule \(rule) in \(looked)"
    case let .rejected(step, stepRule, reason):
      what = "the certificate of \(rule) is rejected: " + CertificateRejection(step: step, rule: stepRule, reason: reason).description
    case let .stale(certified): what = "the certificate of \(rule) proves another statement than this code implements (certified: \(certified))"
    case .unknownRule: what = "rule \(rule) has no compiled-in statement"
    }
    return "refused: layer \(layer) at position \(position): \(what)"
  }
}

/// Binds the trainer's layers to their certificates: each rule's certificate must replay through
/// the kernel to exactly the theorem compiled into the trainer (`CompiledRules`), compared by the
/// SHA-256 of the kernel's serialization, and the rebuilt theorem must pass the independent numeric
/// check (`NumericCheck`, defence in depth against a kernel bug). There is no way to skip this.
package enum RuleCertification {
  /// The compiled-in statement of every rule, by name (`dense.W`).
  static let statements: [String: Statement] = {
    var out: [String: Statement] = [:]
    for (name, block) in CompiledRules.allBlocks {
      // Compiled-in text: a parse failure is a programming error the tests catch.
      let prelude = CompiledRules.prelude(of: block.source) + "\n"
      guard let document = try? TheoremLanguage.parse(prelude + block.text, file: "<compiled rule \(name)>") else { continue }
      for s in document.statements { out[s.name] = s }
    }
    return out
  }()

  /// The theorem file a rule's block comes from (`dense.W`: `Theorems/layers.thm`).
  package static func source(of rule: String) -> String {
    let block = String(rule.prefix { $0 != "." })
    return CompiledRules.allBlocks[block]?.source ?? CompiledRules.source
  }

  /// The kernel serialization and its SHA-256 of the theorem this code implements for `rule`.
  package static func expected(_ rule: String) throws -> (serialization: String, sha256: String)? {
    guard let s = statements[rule] else { return nil }
    let text = try Theorem.serialization(hypotheses: s.hypotheses, lhs: s.lhs, rhs: s.rhs)
    return (text, CertificateHash.sha256(of: text))
  }

  /// Checks every rule of every layer (`position`, `name`, rule names) against the store
  /// (`CertificateStore.status`), then numerically.
  /// - Returns: each rule's replayed theorem by rule name; its SHA-256 is what a checkpoint records.
  /// - Throws: `CertificationError` naming the first layer refused and why.
  package static func verify(_ layers: [(name: String, rules: [String])], store: CertificateStore) throws -> [String: ReplayedTheorem] {
    var certified: [String: ReplayedTheorem] = [:]
    for (position, layer) in layers.enumerated() {
      for rule in layer.rules where certified[rule] == nil {
        func refuse(_ reason: CertificationError.Reason) -> CertificationError {
          CertificationError(layer: layer.name, position: position, rule: rule, reason: reason)
        }
        guard let (serialization, _) = try expected(rule) else { throw refuse(.unknownRule) }
        switch store.status(of: rule, source: source(of: rule), expecting: serialization) {
        case let .missing(looked): throw refuse(.missing(looked: looked))
        case let .rejected(r): throw refuse(.rejected(step: r.step, rule: r.rule, reason: r.reason))
        case let .stale(replayed): throw refuse(.stale(certified: replayed.theorem.description))
        case let .accepted(replayed):
          if !PassedNumericChecks.shared.contains(serialization) {
            if let counterexample = falsified(replayed.theorem) { throw refuse(.rejected(step: nil, rule: nil, reason: counterexample)) }
            PassedNumericChecks.shared.insert(serialization)
          }
          certified[rule] = replayed
        }
      }
    }
    return certified
  }

  /// The numeric check of a replayed theorem: nil when it passes (or no sample can be evaluated),
  /// otherwise why the theorem is false. Seeded, so a refusal is reproducible.
  static func falsified(_ theorem: Theorem) -> String? {
    guard case let .counterexample(c) = NumericCheck().check(theorem) else { return nil }
    return "numeric check: the kernel's theorem is false: \(c)"
  }
}

/// The theorems (by serialization) whose numeric check passed in this process. The check is a
/// deterministic function of the theorem (seeded), so building a second model over the same rule
/// need not run it again; batch norm's takes seconds in a debug build. The replay is not cached.
final class PassedNumericChecks: @unchecked Sendable {
  static let shared = PassedNumericChecks()
  private let lock = NSLock()
  private var passed: Set<String> = []

  func contains(_ serialization: String) -> Bool { lock.withLock { passed.contains(serialization) } }
  func insert(_ serialization: String) { lock.withLock { _ = passed.insert(serialization) } }
}
