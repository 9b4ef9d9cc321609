import Algebra
import ArgumentParser
import Certificates
import Evaluation
import Foundation
import ProofKernel

/// `certify check`: replays certificates through the kernel, compares each with its source, and
/// evaluates it numerically.
struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Replay certificates through the kernel and report any that is rejected.",
    discussion: """
      Each certificate's steps are re-run by the kernel; the rebuilt theorem must print exactly as \
      recorded, its SHA-256 is recomputed, and the theorem must be the current statement of its source \
      .thm file (a certificate whose source is missing is refused unless --standalone is given). Then \
      the theorem is evaluated at random small sizes and rational points with exact dual numbers, \
      independently of the kernel's rules (--no-numeric skips this). A rejection names the step and \
      its rule. Exits with status 1 when any certificate is rejected. With --model, a checkpoint's \
      model certificate (the gradient of its loss for every parameter, as the trainer's backward \
      schedule computes it) is replayed instead.
      """)

  @Argument(help: "Certificate files or directories (default: the Certificates directory).")
  var paths: [String] = []

  @Option(help: "The directory of certificates used when no path is given.")
  var certificates = "Certificates"

  @Flag(inversion: .prefixedNo, help: "Evaluate each theorem at random small sizes and points with exact dual numbers, an independent check of the kernel (on by default).")
  var numeric = true

  @Flag(help: "Replay certificates whose source .thm file is missing, through the kernel alone, without comparing them with a statement.")
  var standalone = false

  @Flag(help: "Print one JSON document: counts, and per certificate its status, the checks that ran and any rejection (step, rule, reason).")
  var json = false

  @Option(help: "Replay the model certificate of this checkpoint and compare it with the checkpoint's spec, instead of checking certificate files (with --json: accepted, parameters, steps, seconds).")
  var model: String?

  func run() throws {
    if let model { return try runModelCheck(model) }
    let files = try certificateFiles(paths.isEmpty ? [certificates] : paths)
    var results: [CheckSummary.Result] = []
    var statements: [String: [String: Statement]] = [:]  // source -> name -> statement
    for file in files {
      let start = DispatchTime.now().uptimeNanoseconds
      var result = verify(file, &statements)
      result.milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
      results.append(result)
      guard !json else { continue }
      if let rejection = result.rejection {
        print("REJECTED  \(file): \(rejection.description)")
      } else {
        print("accepted  \(file)  (\(result.checks.joined(separator: ", ")); \(String(format: "%.1f", result.milliseconds)) ms)")
      }
    }
    let summary = CheckSummary(results)
    if json { print(try JSONOutput.encode(summary)) } else { print("\(summary.accepted) accepted, \(summary.rejected) rejected") }
    if summary.rejected > 0 { throw ExitCode.failure }
  }

  /// The checks run on one file, and the first that refused it (the work of `run` for one file;
  /// tests call it). `statements` caches the parsed source files, by path.
  func verify(_ file: String, _ statements: inout [String: [String: Statement]]) -> CheckSummary.Result {
    var result = CheckSummary.Result(file: file)
    func reject(_ r: CertificateRejection) -> CheckSummary.Result { var out = result; out.rejection = r; return out }
    guard let text = readFile(file) else { return reject(.init(step: nil, reason: "cannot read the file")) }
    let certificate: Certificate
    do { certificate = try Certificate(decoding: text) } catch { return reject(CertificateRejection(error)) }
    result.name = certificate.name
    // The current statement, from its source: a stale certificate is rejected.
    var expected: String? = nil
    if FileManager.default.fileExists(atPath: certificate.source) {
      if statements[certificate.source] == nil {
        guard let document = try? TheoremFiles.load(certificate.source) else {
          return reject(.init(step: nil, reason: "its source \(certificate.source) does not parse"))
        }
        statements[certificate.source] = Dictionary(document.statements.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
      }
      guard let statement = statements[certificate.source]?[certificate.name] else {
        return reject(.init(step: nil, reason: "stale: \(certificate.source) has no statement \(certificate.name)"))
      }
      expected = try? Catalogue.expectedSerialization(statement)
    } else if !standalone {
      return reject(.init(step: nil, reason: "its source \(certificate.source) is missing, so the theorem cannot be compared with a statement (--standalone replays it through the kernel alone)"))
    }
    let replayed: ReplayedTheorem
    switch CertificateStatus.of(certificate, expecting: expected) {
    case let .accepted(r): replayed = r
    case let .rejected(r): return reject(r)
    case let .stale(r): return reject(.init(step: nil, reason: "stale: it proves \(r.theorem), not the current statement \(certificate.name) of \(certificate.source)"))
    case let .missing(looked): return reject(.init(step: nil, reason: "missing in \(looked)"))
    }
    result.checks.append("kernel")
    if expected != nil { result.checks.append("source") }
    guard numeric else { return result }
    switch NumericCheck().check(replayed.theorem) {
    case let .passed(trials): result.checks.append("numeric (\(trials) samples)")
    case .inconclusive: result.checks.append("numeric (no sample could be evaluated)")
    case let .counterexample(c): return reject(.init(step: nil, reason: "numeric check: the kernel's theorem is false: \(c)"))
    }
    return result
  }

  /// The certificate files under `roots` (files as given, folders searched for `.json`), sorted per folder.
  func certificateFiles(_ roots: [String]) throws -> [String] {
    var out: [String] = []
    for root in roots {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { throw FileError(path: root, reason: "no such file or directory") }
      if !isDirectory.boolValue { out.append(root); continue }
      let found = (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".json") }
      out += found.sorted().map { root + "/" + $0 }
    }
    return out
  }
}
