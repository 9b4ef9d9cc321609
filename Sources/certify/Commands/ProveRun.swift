import Algebra
import Certificates
import Foundation
import Train

/// The work of `certify prove`, without printing: proves the statements of theorem files, writes
/// their certificates (or, with `--check`, compares them with the files), and with `--all` removes
/// the certificates of statements that no longer exist and rewrites the catalogue and the built-in
/// copy of the trainer's certificates. `Prove.run` drives it and prints; tests call it directly.
struct ProveRun {
  let command: Prove
  let store: CertificateStore
  /// One per statement proved or failed, in file order.
  private(set) var reports: [StatementReport] = []
  /// Files that did not load or parse (or whose certificates could not be written).
  var fileFailures = 0
  /// With `--check`: the files that would change.
  private(set) var outdated: [String] = []
  private var written: Set<String> = []  // relative paths of the certificates of this run
  private var builtIn: [String: String] = [:]  // the trainer's certificates, built into the binary
  private var catalogue = Catalogue()

  init(_ command: Prove) {
    self.command = command
    store = CertificateStore(directory: URL(fileURLWithPath: command.certificates))
  }

  var failed: Int { reports.filter { !$0.proved }.count + fileFailures }
  var proved: Int { reports.count - (failed - fileFailures) }

  /// Proves every statement of the theorem file at `path`, handing each result to `each` as it
  /// is done; a statement of a file under `--theorems` gets its certificate written or compared.
  /// - Throws: when the file cannot be read or parsed, or a certificate cannot be written.
  mutating func prove(_ path: String, each: (StatementReport) -> Void = { _ in }) throws {
    let document = try TheoremFiles.load(path)
    for statement in document.statements {
      let start = DispatchTime.now().uptimeNanoseconds
      let outcome = Prover.prove(statement)
      let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
      let report = StatementReport(name: statement.name, file: path, outcome: outcome, milliseconds: ms)
      reports.append(report)
      catalogue.entries.append(.init(statement: statement, source: path, kind: document.theorems.contains { $0.name == statement.name } ? "theorem" : "layer rule"))
      each(report)
      guard let theorem = outcome.theorem, path.hasPrefix(command.theorems + "/") else { continue }
      let certificate = try Certificate(name: statement.name, source: sourcePath(path), theorem: theorem, steps: outcome.steps)
      let relative = try CertificateStore.relativePath(name: certificate.name, source: certificate.source)
      written.insert(relative)
      if BuiltInSource.sources.contains(certificate.source) { builtIn[relative] = certificate.encoded() }
      if command.check {
        let url = try store.url(name: certificate.name, source: certificate.source)
        if readFile(url.path) != certificate.encoded() { outdated.append(url.path) }
      } else {
        try store.write(certificate)
      }
    }
  }

  /// After `--all` proved every file: certificates of statements that no longer exist, the
  /// catalogue, and (in the package) the built-in certificates' sources, one per theorem file
  /// (`BuiltInSource`). Returns true when a source changed, so certify must be rebuilt to carry
  /// the new certificates.
  mutating func finishAll(catalogueFile: OutputFile?) throws -> Bool {
    for entry in (try? store.entries()) ?? [] where !written.contains(entry.relativePath) {
      let path = URL(fileURLWithPath: command.certificates).appendingPathComponent(entry.relativePath).path
      if command.check { outdated.append(path + " (no such statement)") } else { try FileManager.default.removeItem(atPath: path) }
    }
    let proved = Set(reports.filter(\.proved).map { "\($0.file)#\($0.name)" })
    let text = catalogue.markdown { proved.contains("\($0.source)#\($0.statement.name)") ? "certified" : "FAILED" }
    if command.check {
      if readFile(command.catalogue) != text { outdated.append(command.catalogue) }
    } else {
      try writeIfChanged(text, to: catalogueFile!)
    }
    guard FileManager.default.fileExists(atPath: BuiltInSource.path), !builtIn.isEmpty else { return false }
    let sources = BuiltInSource.files(builtIn)
    let stale = BuiltInSource.existing().filter { sources[$0] == nil }
    let changed = sources.keys.sorted().filter { readFile($0) != sources[$0] }
    if command.check {
      outdated += changed + stale.map { $0 + " (no such theorem file)" }
      return false
    }
    try FileManager.default.createDirectory(atPath: BuiltInSource.statementFolder, withIntermediateDirectories: true)
    for path in changed { try writeIfChanged(sources[path]!, to: OutputFile(path)) }
    for path in stale { try FileManager.default.removeItem(atPath: path) }
    return !changed.isEmpty || !stale.isEmpty
  }

  /// The source recorded in a certificate: the path below the package root (`Theorems/x.thm`).
  private func sourcePath(_ path: String) -> String {
    CertificateStore.theoremsFolder + path.dropFirst(command.theorems.count)
  }
}
