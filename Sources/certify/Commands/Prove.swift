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
    var work = ProveRun(self)
    for path in paths {
      do {
        try work.prove(path) { report in if !json { print(report.line) } }
      } catch {
        work.fileFailures += 1
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      }
    }
    if all && work.fileFailures == 0 {
      if try work.finishAll(catalogueFile: catalogueFile) {
        FileHandle.standardError.write(Data("the built-in certificates (\(BuiltInSource.path), \(BuiltInSource.statementFolder)/) changed: rebuild certify to carry the new certificates\n".utf8))
      }
    }
    if json {
      print(try JSONOutput.encode(ProveSummary(theorems: work.reports.map(\.json), proved: work.proved, failed: work.failed)))
    } else {
      print("\(work.proved) proved, \(work.failed) failed")
    }
    for path in work.outdated { FileHandle.standardError.write(Data("not current: \(path)\n".utf8)) }
    if !work.outdated.isEmpty {
      FileHandle.standardError.write(Data("run `certify prove --all` and commit the result\n".utf8))
    }
    if work.failed > 0 || !work.outdated.isEmpty { throw ExitCode.failure }
  }

  private func normalized(_ path: String) -> String { path.hasPrefix("./") ? String(path.dropFirst(2)) : path }
}
