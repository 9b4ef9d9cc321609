import ArgumentParser
import Certificates
import Foundation
import Train

/// `certify list`: the catalogue and the state of each certificate.
struct List: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the statements of the theorem files with the state of their certificates.")

  @OptionGroup var theoremFolder: TheoremFolderOptions
  @OptionGroup var certificateFolder: CertificateFolderOptions
  var theorems: String { theoremFolder.theorems }
  var certificates: String { certificateFolder.certificates }

  @Flag(help: "Write the catalogue as Markdown to Docs/Catalogue.md (see --output).")
  var markdown = false

  @Option(help: ArgumentHelp(
    "Where --markdown writes.",
    discussion: "A regular file, replaced atomically; a symbolic link is followed. Checked before the certificates are replayed."))
  var output = "Docs/Catalogue.md"

  func run() throws {
    let outputFile = markdown ? try OutputFile(output) : nil
    let catalogue = try Catalogue.load(theorems: theorems)
    let states = self.states(of: catalogue)
    if markdown {
      // The catalogue records whether each statement is proved; a certificate that replays is.
      let text = catalogue.markdown { states[$0.source + "#" + $0.statement.name] == "certified" ? "certified" : "FAILED" }
      try writeIfChanged(text, to: outputFile!)
      print("wrote \(output)")
      return
    }
    for entry in catalogue.entries {
      let state = states[entry.source + "#" + entry.statement.name] ?? "?"
      print("\(state.padding(toLength: 10, withPad: " ", startingAt: 0)) \(entry.statement.name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(entry.source)")
    }
    let certified = states.values.filter { $0 == "certified" }.count
    print("\(certified) of \(catalogue.entries.count) certified")
  }

  /// Each statement's certificate state (`certified`, `missing`, `stale`, `rejected`), keyed
  /// `FILE#NAME`: the work of `run`, which tests call.
  func states(of catalogue: Catalogue) -> [String: String] {
    let store = CertificateStore(directory: URL(fileURLWithPath: certificates))
    var states: [String: String] = [:]
    for entry in catalogue.entries {
      let key = entry.source + "#" + entry.statement.name
      let source = CertificateStore.theoremsFolder + entry.source.dropFirst(theorems.count)
      let expected = try? Catalogue.expectedSerialization(entry.statement)
      states[key] = store.status(of: entry.statement.name, source: source, expecting: expected).label
    }
    return states
  }
}
