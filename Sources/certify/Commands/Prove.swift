import Algebra
import ArgumentParser
import Certificates
import Exact
import Foundation
import Train

/// `certify prove`: proves the theorems and layer rules of `.thm` files, for every size, and writes
/// their certificates.
struct Prove: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Prove the theorems and layer rules of theorem files, for every size, and write their certificates.",
    discussion: """
      Each statement is proved by the engine through the kernel's rules. A failed proof names the \
      missing assumption or shows a counterexample at small sizes. Statements of files under the \
      Theorems directory get a certificate in the Certificates directory (mirroring it); with --all, \
      Docs/Catalogue.md is rewritten too, and certificates of statements that no longer exist are \
      removed. Exits with status 1 when any proof fails (or, with --check, when anything would change).
      """)

  @Argument(help: "Theorem files (.thm) to prove.")
  var files: [String] = []

  @Flag(help: "Prove every .thm file under the Theorems directory.")
  var all = false

  @OptionGroup var theoremFolder: TheoremFolderOptions
  @OptionGroup var certificateFolder: CertificateFolderOptions
  var theorems: String { theoremFolder.theorems }
  var certificates: String { certificateFolder.certificates }

  @Option(help: ArgumentHelp(
    "The catalogue written with --all.",
    discussion: "A regular file, replaced atomically; a symbolic link is followed. Checked before any proof starts."))
  var catalogue = "Docs/Catalogue.md"

  @Flag(help: "Compare with the checked-in certificates and catalogue instead of writing them; exit 1 if any would change.")
  var check = false

  @Flag(help: "Print one JSON document instead of a line per statement.")
  var json = false

  func validate() throws {
    if files.isEmpty && !all { throw ValidationError("name theorem files, or use --all") }
  }

  func run() throws {
    let catalogueFile = all && !check ? try OutputFile(catalogue) : nil
    let paths = try (all ? TheoremFiles.list(in: theorems) : []) + files.map(normalized)
    let store = CertificateStore(directory: URL(fileURLWithPath: certificates))
    var reports: [StatementReport] = []
    var parseFailures = 0, outdated: [String] = []
    var written: Set<String> = []
    var builtIn: [String: String] = [:]  // the trainer's certificates, built into the binary
    var catalogueEntries = Catalogue()
    for path in paths {
      do {
        let document = try TheoremFiles.load(path)
        for statement in document.statements {
          let start = DispatchTime.now().uptimeNanoseconds
          let outcome = Prover.prove(statement)
          let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
          let report = StatementReport(name: statement.name, file: path, outcome: outcome, milliseconds: ms)
          reports.append(report)
          catalogueEntries.entries.append(.init(statement: statement, source: path, kind: document.theorems.contains { $0.name == statement.name } ? "theorem" : "layer rule"))
          if !json { print(report.line) }
          guard let theorem = outcome.theorem, path.hasPrefix(theorems + "/") else { continue }
          let certificate = try Certificate(name: statement.name, source: sourcePath(path), theorem: theorem, steps: outcome.steps)
          let relative = try CertificateStore.relativePath(name: certificate.name, source: certificate.source)
          written.insert(relative)
          if certificate.source == BuiltInSource.source { builtIn[relative] = certificate.encoded() }
          if check {
            let url = try store.url(name: certificate.name, source: certificate.source)
            if readFile(url.path) != certificate.encoded() { outdated.append(url.path) }
          } else {
            try store.write(certificate)
          }
        }
      } catch {
        parseFailures += 1
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      }
    }
    if all && parseFailures == 0 {
      // Certificates of statements that no longer exist, and the catalogue.
      for entry in (try? store.entries()) ?? [] where !written.contains(entry.relativePath) {
        let path = URL(fileURLWithPath: certificates).appendingPathComponent(entry.relativePath).path
        if check { outdated.append(path + " (no such statement)") } else { try FileManager.default.removeItem(atPath: path) }
      }
      let proved = Set(reports.filter(\.proved).map { "\($0.file)#\($0.name)" })
      let text = catalogueEntries.markdown { proved.contains("\($0.source)#\($0.statement.name)") ? "certified" : "FAILED" }
      if check {
        if readFile(catalogue) != text { outdated.append(catalogue) }
      } else {
        try writeIfChanged(text, to: catalogueFile!)
      }
      // In the package, the copy of the trainer's certificates that the binary carries.
      if FileManager.default.fileExists(atPath: BuiltInSource.path), !builtIn.isEmpty {
        let source = BuiltInSource.text(builtIn)
        if check {
          if readFile(BuiltInSource.path) != source { outdated.append(BuiltInSource.path) }
        } else if readFile(BuiltInSource.path) != source {
          try writeIfChanged(source, to: OutputFile(BuiltInSource.path))
          FileHandle.standardError.write(Data("\(BuiltInSource.path) changed: rebuild certify to carry the new certificates\n".utf8))
        }
      }
    }
    let failed = reports.filter { !$0.proved }.count + parseFailures
    let proved = reports.count - (failed - parseFailures)
    if json {
      print(try JSONOutput.encode(ProveSummary(theorems: reports.map(\.json), proved: proved, failed: failed)))
    } else {
      print("\(proved) proved, \(failed) failed")
    }
    for path in outdated { FileHandle.standardError.write(Data("not current: \(path)\n".utf8)) }
    if !outdated.isEmpty {
      FileHandle.standardError.write(Data("run `certify prove --all` and commit the result\n".utf8))
    }
    if failed > 0 || !outdated.isEmpty { throw ExitCode.failure }
  }

  private func normalized(_ path: String) -> String { path.hasPrefix("./") ? String(path.dropFirst(2)) : path }

  /// The source recorded in a certificate: the path below the package root (`Theorems/x.thm`).
  private func sourcePath(_ path: String) -> String {
    CertificateStore.theoremsFolder + path.dropFirst(theorems.count)
  }
}
