public import ProofKernel
import TermPrinting

/// A theorem the kernel rebuilt from a certificate, with its printing and hash.
public struct ReplayedTheorem: Sendable {
  /// The theorem the kernel produced at the last step.
  public let theorem: Theorem
  /// `theorem.serialized()`, equal to the certificate's `theorem` text.
  public let serialization: String
  /// SHA-256 of `serialization`, recomputed here, equal to the certificate's `sha256`.
  public let sha256: String
}

/// Checking a certificate: each step's theorem concluded afresh by the kernel, and the theorem the
/// kernel built must print exactly as the certificate says.
///
/// Acceptance rests on the kernel alone. The reader only turns text into `Step`s; whatever it
/// produces, the kernel applies each step by its own rules, and the result is compared, as the
/// kernel prints it, with the certificate's theorem text and with its recomputed hash. A reader
/// bug can make a good certificate fail, never a wrong one pass.
public enum Replay {
  /// Replays a certificate file (`Certificate(decoding:)`, then `replay(_:expecting:)`).
  public static func replay(encoded text: String, expecting serialization: String? = nil) throws(CertificateRejection) -> ReplayedTheorem {
    let certificate: Certificate
    do { certificate = try Certificate(decoding: text) } catch { throw CertificateRejection(error) }
    return try replay(certificate, expecting: serialization)
  }

  /// Replays `certificate` through the kernel.
  ///
  /// In order: the recorded rule-set and function-table versions must be the kernel's; each step is
  /// concluded by the kernel afresh, long derivations on several threads (`ParallelReplay`; a
  /// refusal names the first step refused and the kernel's reason); the last
  /// step's theorem, printed by `Theorem.serialized()`, must equal the certificate's `theorem`
  /// text, its SHA-256 (recomputed) the recorded `sha256`, its readable form `statement` and its
  /// hypotheses `sideConditions`; and, when `serialization` is given, the theorem must be that one.
  /// - Throws: `CertificateRejection` with the step at fault, or the field that is wrong.
  public static func replay(_ certificate: Certificate, expecting serialization: String? = nil) throws(CertificateRejection) -> ReplayedTheorem {
    func reject(_ reason: String, step: Int? = nil) -> CertificateRejection {
      CertificateRejection(step: step, rule: step.map { certificate.steps[$0].ruleName }, reason: reason)
    }
    guard certificate.ruleSetVersion == Derivation.ruleSetVersion else {
      throw reject("ruleSet: the certificate was written for rule set \"\(certificate.ruleSetVersion)\", the kernel has \"\(Derivation.ruleSetVersion)\"")
    }
    guard certificate.functionTableVersion == FunctionTable.version else {
      throw reject("functionTable: the certificate was written for function table \"\(certificate.functionTableVersion)\", the kernel has \"\(FunctionTable.version)\"")
    }
    guard !certificate.steps.isEmpty else { throw reject("steps: no steps, so nothing is proved") }
    let theorems: [Theorem]
    do { theorems = try ParallelReplay.theorems(of: certificate.steps) } catch {
      if let kernel = error.error as? KernelError { throw reject(kernel.description, step: error.step) }
      throw reject("\(certificate.steps[error.step].ruleName): \(error.error)", step: error.step)
    }
    let last = certificate.steps.count - 1
    let theorem = theorems[last]
    let text: String
    do { text = try theorem.serialized() } catch {
      throw reject("the kernel cannot print the theorem of the last step: \(error)", step: last)
    }
    guard text == certificate.theorem else {
      throw reject("theorem: the last step (\(last)) proves \(theorem), not the certificate's theorem"
        + " (the texts differ from character \(firstDifference(text, certificate.theorem)))")
    }
    let hash = CertificateHash.sha256(of: text)
    guard hash == certificate.sha256 else {
      throw reject("sha256: the theorem hashes to \(hash), the certificate records \"\(certificate.sha256)\"")
    }
    guard theorem.description == certificate.statement else {
      throw reject("statement: the theorem reads \"\(theorem.description)\", the certificate says \"\(certificate.statement)\"")
    }
    let conditions = theorem.hypotheses.map(\.description)
    guard conditions == certificate.sideConditions else {
      throw reject("sideConditions: the theorem's hypotheses are \(conditions), the certificate lists \(certificate.sideConditions)")
    }
    if let serialization, serialization != text {
      throw reject("the certificate proves \(theorem), not the expected theorem"
        + " (the texts differ from character \(firstDifference(text, serialization)))")
    }
    return ReplayedTheorem(theorem: theorem, serialization: text, sha256: hash)
  }

  static func firstDifference(_ a: String, _ b: String) -> Int {
    var k = 0
    for (x, y) in zip(a, b) {
      if x != y { break }
      k += 1
    }
    return k
  }
}
