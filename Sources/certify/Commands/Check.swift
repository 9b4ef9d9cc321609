import Algebra
import ArgumentParser
import Certificates
import Evaluation
import Foundation
import ProofKernel

/// `certify check`: replays certificates through the kernel.
struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Replay certificates through the kernel and report any that is rejected.",
    discussion: """
      Each certificate's steps are re-run by the kernel; the rebuilt theorem must print exactly as \
      recorded, its SHA-256 is recomputed, and where the source .thm file exists the theorem must be \
      its current statement. Exits with status 1 when any certificate is rejected.
      """)

  @Argument(help: "Certificate files or directories (default: the Certificates directory).")
  var paths: [String] = []

  @Option(help: "The directory of certificates used when no path is given.")
  var certificates = "Certificates"

  @Flag(help: "Also evaluate each theorem at random small sizes and points with exact dual numbers (an independent check of the derivative rules).")
  var numeric = false

  @Flag(help: "Print one JSON document with the counts checked and accepted and the rejections (file, step, reason).")
  var json = false

  func run() throws {
    let files = try certificateFiles(paths.isEmpty ? [certificates] : paths)
    var rejected: [CheckSummary.Rejection] = []
    var statements: [String: [String: Statement]] = [:]  // source -> name -> statement
    for file in files {
      let start = DispatchTime.now().uptimeNanoseconds
      let outcome = verify(file, &statements)
      let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
      if let rejection = outcome {
        rejected.append(rejection)
        if !json { print("REJECTED  \(file)" + (rejection.step.map { " at step \($0)" } ?? "") + ": \(rejection.reason)") }
      } else if !json {
        print("accepted  \(file)  (\(String(format: "%.1f", ms)) ms)")
      }
    }
    let summary = CheckSummary(checked: files.count, accepted: files.count - rejected.count, rejected: rejected)
    if json { print(try JSONOutput.encode(summary)) } else { print("\(summary.accepted) accepted, \(rejected.count) rejected") }
    if !rejected.isEmpty { throw ExitCode.failure }
  }

  /// Nil when the certificate is accepted.
  private func verify(_ file: String, _ statements: inout [String: [String: Statement]]) -> CheckSummary.Rejection? {
    guard let text = readFile(file) else { return .init(file: file, step: nil, reason: "cannot read the file") }
    let certificate: Certificate
    do { certificate = try Certificate(decoding: text) } catch { return .init(file: file, step: error.step, reason: "\(error)") }
    // The current statement, when its source is here: a stale certificate is rejected.
    var expected: String? = nil
    if FileManager.default.fileExists(atPath: certificate.source) {
      if statements[certificate.source] == nil {
        guard let document = try? TheoremFiles.load(certificate.source) else {
          return .init(file: file, step: nil, reason: "its source \(certificate.source) does not parse")
        }
        statements[certificate.source] = Dictionary(document.statements.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
      }
      guard let statement = statements[certificate.source]?[certificate.name] else {
        return .init(file: file, step: nil, reason: "stale: \(certificate.source) has no statement \(certificate.name)")
      }
      expected = try? Catalogue.expectedSerialization(statement)
    }
    let replayed: ReplayedTheorem
    do { replayed = try Replay.replay(certificate, expecting: expected) } catch {
      return .init(file: file, step: error.step, reason: error.reason)
    }
    if numeric {
      let t = replayed.theorem
      switch NumericCheck().check(lhs: t.lhs, rhs: t.rhs, hypotheses: t.hypotheses) {
      case .passed, .inconclusive: break
      case let .counterexample(c): return .init(file: file, step: nil, reason: "numeric check: \(c)")
      }
    }
    return nil
  }

  private func certificateFiles(_ roots: [String]) throws -> [String] {
    var out: [String] = []
    for root in roots {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { throw ValidationError("no such file or directory: \(root)") }
      if !isDirectory.boolValue { out.append(root); continue }
      let found = (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".json") }
      out += found.sorted().map { root + "/" + $0 }
    }
    return out
  }
}

struct CheckSummary: Encodable {
  struct Rejection: Encodable {
    var file: String
    var step: Int?
    var reason: String
  }
  var checked: Int
  var accepted: Int
  var rejected: [Rejection]
}
