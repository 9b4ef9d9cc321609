import ArgumentParser
import Foundation
import Site

/// `certify site`: a static HTML proof explorer of the catalogue, the models and the kernel's rules.
struct SiteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "site",
    abstract: "Write a static HTML site to browse the proofs: statements as mathematics, every step, certificates, models.",
    discussion: """
      Proves every statement of the theorem files (default: all of the Theorems directory), replays each \
      proof through the kernel, and writes plain HTML pages (MathML, no server, nothing fetched; open \
      index.html from the file system). A failed statement's page shows both normal forms, the \
      counterexample or the hypothesis that could not be discharged. The output folder must be new, \
      empty, or a site written earlier (whose files are replaced); anything else needs --force. Exits \
      with status 1 when a statement fails to prove, after writing the site.
      """)

  @Argument(help: "Theorem files (.thm) to show; default: every .thm file under the Theorems directory.")
  var files: [String] = []

  @Option(help: "The folder to write the site to.")
  var out: String

  @Flag(help: "Write into a non-empty folder that no earlier certify site wrote (only the site's files are written).")
  var force = false

  @OptionGroup var theoremFolder: TheoremFolderOptions
  @OptionGroup var certificateFolder: CertificateFolderOptions

  static let defaultModels = "Models"

  @Option(help: "The folder of model specs (.spec) to give pages (the default may be absent: no model pages).")
  var models = SiteCommand.defaultModels

  @Option(help: "The kernel's rule reference that proof steps link to.")
  var rules = "Docs/Rules.md"

  func validate() throws {
    if out.isEmpty { throw ValidationError("--out needs a folder") }
    var isFolder: ObjCBool = false
    if models != SiteCommand.defaultModels, !(FileManager.default.fileExists(atPath: models, isDirectory: &isFolder) && isFolder.boolValue) {
      throw ValidationError("--models \(models): no such folder")
    }
  }

  /// The site's request: the files named, or every theorem file of the folder.
  func request() throws -> Site.Request {
    let paths = files.isEmpty ? try TheoremFiles.list(in: theoremFolder.theorems) : files.map { $0.hasPrefix("./") ? String($0.dropFirst(2)) : $0 }
    return Site.Request(theoremFiles: paths, theoremsFolder: theoremFolder.theorems, certificates: certificateFolder.certificates,
                        models: models, rules: rules, output: out, force: force)
  }

  func run() throws {
    let summary = try Site.generate(request())
    print("\(summary.statements) statements (\(summary.certified) certified, \(summary.failed) failed), \(summary.models) models: "
      + "\(summary.files) files written; open \(summary.index)")
    if summary.failed > 0 { throw ExitCode.failure }
  }
}
