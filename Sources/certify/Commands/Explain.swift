import ArgumentParser
import Certificates
import Foundation
import ProofKernel

/// `certify explain`: a certificate's proof as numbered steps.
struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print a certified proof as numbered steps, one rule per step, in readable math.")

  @Argument(help: "The statement's name (for example grad_W1 or dense.x).")
  var name: String

  @OptionGroup var certificateFolder: CertificateFolderOptions
  var certificates: String { certificateFolder.certificates }

  func run() throws {
    let store = CertificateStore(directory: URL(fileURLWithPath: certificates))
    let certificate = try store.load(named: name)
    // Replayed step by step through the kernel: what is printed is what the kernel computed.
    var derivation = Derivation()
    print("\(certificate.name) (\(certificate.source))")
    print("claim: \(certificate.statement)\n")
    for (k, step) in certificate.steps.enumerated() {
      do { try derivation.apply(step) } catch {
        print("\(k). \(step.ruleName): REJECTED: \(error)")
        throw ExitCode.failure
      }
      print("\(k). " + describe(step, derivation))
    }
    let replayed = try Replay.replay(certificate)
    print("\nproved: \(replayed.theorem)\nsha256: \(replayed.sha256)")
  }

  /// One line per step: the rule, where it applied, and what it turned into what.
  private func describe(_ step: Step, _ d: Derivation) -> String {
    let result = d.theorems[d.theorems.count - 1]
    switch step {
    case let .rewrite(k, path, _), let .cong(k, path, _):
      let before = (try? d.theorems[k].rhs.subterm(at: path))?.description ?? "?"
      let after = (try? result.rhs.subterm(at: path))?.description ?? "?"
      let conditions = Set(result.hypotheses.map(\.description)).subtracting(d.theorems[k].hypotheses.map(\.description))
      return "\(step.ruleName) on (\(k)) at \(path): \(before)  ~>  \(after)"
        + (conditions.isEmpty ? "" : "   [needs \(conditions.sorted().joined(separator: ", "))]")
    case .refl: return "start from \(result.lhs)"
    case let .sym(k): return "sym of (\(k))"
    case let .trans(a, b): return "trans of (\(a)) and (\(b)): \(result.lhs) = \(result.rhs)"
    case let .assume(h, _): return "assume \(h): \(result)"
    case let .discharge(k, _): return "discharge the hypotheses of (\(k)) against the stated ones: \(result.hypotheses.map(\.description).joined(separator: "; "))"
    case let .vjpIntro(k, _): return "vjp-intro from the adjoint identity (\(k)): \(result.lhs) = \(result.rhs)"
    case let .alpha(k, _, _): return "rename bound indices of (\(k))"
    case let .chain(a, b): return "chain rule: the outer identity (\(a)) through the inner (\(b)): \(result.lhs) = \(result.rhs)"
    case let .chainDef(a, b): return "chain rule through definitions: the outer identity (\(a)) through the inner (\(b)): \(result.lhs) = \(result.rhs)"
    case let .fanOut(a, b): return "fan-out: the paths (\(a)) and (\(b)) add their cotangents: \(result.lhs) = \(result.rhs)"
    }
  }
}
