import Algebra
import Foundation
import Train

/// Everything the pages are made from: the proved theorem files, the models, the rule reference.
struct SiteContent {
  struct TheoremFile {
    /// The path as given (`Theorems/layers.thm`).
    var path: String
    /// The folder of its pages below `theorems/`: the path below the theorems folder without
    /// `.thm` (`layers`), or `other/NAME` for a file outside it.
    var stem: String
    var document: Document
    var proofs: [StatementProof]
  }

  var files: [TheoremFile]
  var models: [ModelSummary]
  var rules: RulesDocument

  /// The page of a statement, relative to the site's root.
  func pagePath(_ proof: StatementProof) -> String {
    let stem = files.first { $0.path == proof.file }?.stem ?? "other"
    return "theorems/" + stem.split(separator: "/").map { HTML.pathSegment(String($0)) }.joined(separator: "/")
      + "/" + HTML.pathSegment(proof.name) + ".html"
  }

  /// The page of the statement named `name` in a file whose path ends with `fileSuffix`
  /// (`layers.thm`), or of any statement of that name; nil when the site has none.
  func pagePath(statement name: String, preferring fileSuffix: String) -> String? {
    let all = files.flatMap(\.proofs).filter { $0.name == name }
    return (all.first { $0.file.hasSuffix("/" + fileSuffix) || $0.file == fileSuffix } ?? all.first).map(pagePath)
  }

  /// `../` once per folder between a page at `path` and the root.
  static func root(of path: String) -> String {
    String(repeating: "../", count: path.split(separator: "/").count - 1)
  }
}
