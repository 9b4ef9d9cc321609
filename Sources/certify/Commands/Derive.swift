import Algebra
import ArgumentParser
import Exact
import Foundation

/// `certify derive`: computes a layer's backward rules from its forward formula alone.
struct Derive: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compute a layer's backward rules from its forward formula, and prove them.",
    discussion: """
      Reads the VJP for each input and parameter off the normal form of sum(o) dy[o] * D y(o) [x := dx], \
      proves it, and prints it in the theorem language, ready to paste into the layer.
      """)

  @Argument(help: "The theorem file (.thm) that declares the layer.")
  var file: String

  @Option(help: "The layer to derive.")
  var layer: String

  @Flag(help: "Print JSON instead of theorem-language lines.")
  var json = false

  func run() throws {
    let target = try layerToDerive()
    if !json { print("# derived from the forward formula of layer \(target.name)") }
    let entries = try Derive.rules(of: target) { entry in
      if !json { print("  \(entry.rule)" + (entry.proved ? "" : "   # NOT PROVED: \(entry.reason ?? "")")) }
    }
    if json { print(try JSONOutput.encode(DeriveSummary(layer: target.name, file: file, rules: entries))) }
    if entries.contains(where: { !$0.proved }) { throw ExitCode.failure }
  }

  /// The layer `--layer` names in `file`.
  /// - Throws: `FileError` when the file cannot be read or has no such layer; a `ParseError`.
  func layerToDerive() throws -> LayerDeclaration {
    let document = try TheoremFiles.load(file)
    guard let target = document.layers.first(where: { $0.name == layer }) else {
      throw FileError(path: file, reason: "no layer \(MessageText.cut(layer)) (layers: \(document.layers.map(\.name).joined(separator: ", ")))")
    }
    return target
  }

  /// Derives and proves the rule of each input and parameter of `target`, in order, handing each
  /// to `each` as it is done: the work of `run`, which tests call.
  static func rules(of target: LayerDeclaration, each: (DeriveSummary.Entry) -> Void = { _ in }) throws -> [DeriveSummary.Entry] {
    var entries: [DeriveSummary.Entry] = []
    for tensor in target.inputs + target.parameters {
      let start = DispatchTime.now().uptimeNanoseconds
      let rule = try Deriver.derive(target, wrt: tensor)
      let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
      let entry = DeriveSummary.Entry(
        wrt: tensor.name, rule: rule.text, proved: rule.outcome.proved, ms: (ms * 1000).rounded() / 1000,
        reason: rule.outcome.failure.map { "\($0)" })
      entries.append(entry)
      each(entry)
    }
    return entries
  }
}
