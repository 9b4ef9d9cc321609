import Foundation

/// The kernel's rule reference, `rules.html`, made from `Docs/Rules.md`: each rule's statement,
/// conditions and the argument for its soundness, with the anchors proof steps link to.
struct RulesDocument {
  var path: String
  var body: String
  var anchors: Set<String>

  /// Reads and converts the rule reference at `path`.
  /// - Throws: `SiteError.unreadable` when the file cannot be read.
  static func load(_ path: String) throws -> RulesDocument {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SiteError.unreadable(path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file (--rules names the kernel's rule reference, Docs/Rules.md)")
    }
    var markdown = Markdown()
    let body = markdown.html(String(decoding: data, as: UTF8.self))
    return RulesDocument(path: path, body: body, anchors: Set(markdown.anchors))
  }

  /// The anchor of a rule's entry: its table row (`rule-NAME`); `jvp`'s cases are one section.
  static func anchor(for rule: String) -> String { "rule-" + HTML.identifier(rule) }

  func render() -> String {
    let intro = "<p class=\"note\">From <code>\(HTML.escape(path))</code>. Proof steps link to the entries below.</p>\n"
    return PageLayout.page(title: "Kernel rules", root: "", body: intro + body)
  }
}
