import Certificates
import Foundation
import Train

/// A model spec of `Models/` as the trainer builds it: its layers, the rules each runs, and the
/// hash of the certificate each rule rests on — or why the trainer refuses to build it.
struct ModelSummary {
  struct Row {
    var name: String
    var kind: String
    var widths: String
    /// The certified rules the layer runs, with the SHA-256 of each rule's theorem.
    var rules: [(name: String, sha256: String?)]
    /// For a layer given by its formula: the backward rule the engine proved when the model was built.
    var formula: CertifiedFormula?
  }

  /// The spec's path as found (`Models/mlp.spec`).
  var path: String
  var text: String
  var rows: [Row]
  /// The trainer's refusal (a spec that does not parse, a rule without a current certificate).
  var refusal: String?

  /// The page, relative to the site's root.
  var pagePath: String {
    "models/" + HTML.pathSegment(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent) + ".html"
  }

  /// Builds the model of the spec at `path` over `store`, as `certify train` would (seed 1).
  static func load(_ path: String, store: CertificateStore) -> ModelSummary {
    let text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    do {
      let spec = try ModelSpec(contentsOf: path)
      let model = try Sequential(spec, seed: 1, certificates: store)
      var rows: [Row] = []
      for layer in model.layers {
        let formula = (layer as? FormulaLayer)?.certified
        let names = formula.map { [$0.rule] } ?? type(of: layer).ruleNames
        rows.append(Row(name: layer.name, kind: formula == nil ? type(of: layer).certifiedBlock : "formula layer",
                        widths: "\(layer.inputWidth) → \(layer.outputWidth)",
                        rules: names.map { ($0, model.certificateHashes[$0]) }, formula: formula))
      }
      let lossRules = type(of: model.loss).ruleNames
      rows.append(Row(name: "loss", kind: type(of: model.loss).certifiedBlock, widths: "\(model.loss.width) → 1",
                      rules: lossRules.map { ($0, model.certificateHashes[$0]) }, formula: nil))
      return ModelSummary(path: path, text: text, rows: rows, refusal: nil)
    } catch {
      return ModelSummary(path: path, text: text, rows: [], refusal: "\(error)")
    }
  }

  /// The `.spec` files of `folder`, sorted (none when the folder does not exist).
  static func specs(in folder: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".spec") }.sorted().map { folder + "/" + $0 }
  }
}
