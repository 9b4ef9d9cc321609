import Algebra
import Certificates
import Foundation
import ProofKernel

/// One statement of a theorem file, proved by the engine for the site: the outcome, the time it
/// took, the steps replayed through the kernel (so every equation a page shows is one the kernel
/// computed), and the certificate the proof makes, compared with the checked-in one.
struct StatementProof {
  enum Status: Equatable {
    /// Proved, and the checked-in certificate is exactly the one this proof writes.
    case certified
    /// Proved; the certificate folder has no certificate for it, or a different one, or the file
    /// is not under the theorems folder (so it has no certificate of its own).
    case proved(note: String)
    case failed
  }

  var statement: Statement
  var file: String
  /// "theorem" or "layer rule".
  var kind: String
  var outcome: ProofOutcome
  var milliseconds: Double
  /// The recorded steps replayed through a fresh kernel derivation, as far as they replay.
  var derivation: Derivation
  /// Why replay stopped early (it does not for a proof the engine built through the kernel).
  var replayFailure: String?
  /// The certificate of a proved statement (its `sha256` is the theorem's hash).
  var certificate: Certificate?
  var status: Status

  var name: String { statement.name }

  /// Proves `statement` of `file`, replays its steps and compares its certificate with the one in
  /// `store` (`certificateSource` is the source a certificate records; nil for a file outside
  /// the theorems folder).
  static func prove(_ statement: Statement, file: String, kind: String, certificateSource: String?, store: CertificateStore) -> StatementProof {
    let start = DispatchTime.now().uptimeNanoseconds
    let outcome = Prover.prove(statement)
    let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    var derivation = Derivation()
    var replayFailure: String? = nil
    for (k, step) in outcome.steps.enumerated() {
      do { try derivation.apply(step) } catch {
        replayFailure = "step \(k) (\(step.ruleName)): \(error)"
        break
      }
    }
    var proof = StatementProof(statement: statement, file: file, kind: kind, outcome: outcome, milliseconds: ms,
                               derivation: derivation, replayFailure: replayFailure, certificate: nil, status: .failed)
    guard let theorem = outcome.theorem, replayFailure == nil else { return proof }
    proof.certificate = try? Certificate(name: statement.name, source: certificateSource ?? file, theorem: theorem, steps: outcome.steps)
    proof.status = status(of: proof.certificate, source: certificateSource, store: store)
    return proof
  }

  private static func status(of certificate: Certificate?, source: String?, store: CertificateStore) -> Status {
    guard let certificate else { return .proved(note: "its certificate could not be formed") }
    guard let source else { return .proved(note: "not under the theorems folder, so no certificate is kept") }
    guard let url = try? store.url(name: certificate.name, source: source),
      let data = FileManager.default.contents(atPath: url.path)
    else { return .proved(note: "no certificate in \(store.directory.path)") }
    return String(decoding: data, as: UTF8.self) == certificate.encoded()
      ? .certified : .proved(note: "the certificate in \(store.directory.path) is not current (run certify prove --all)")
  }
}
