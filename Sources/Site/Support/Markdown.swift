import Foundation

/// The subset of Markdown that `Docs/Rules.md` uses, as HTML: headings, paragraphs, bullet lists
/// (with continuation lines), tables, fenced code, and inline code, bold and links (a link to
/// another document becomes its text: the site has only the rule reference).
///
/// A table row whose first cell is a name in backticks (`` `sum-count` ``), and a paragraph that
/// begins with one followed by a colon, get the id `rule-NAME`; a bullet that begins with bold
/// names (`**pow-merge, pow-pow.**`) gets `sound-NAME` for each: the anchors proof steps link to.
struct Markdown {
  /// The ids given, in order.
  private(set) var anchors: [String] = []

  mutating func html(_ text: String) -> String {
    var out = ""
    let lines = text.components(separatedBy: "\n")
    var k = 0
    while k < lines.count {
      let line = lines[k]
      if line.trimmingCharacters(in: .whitespaces).isEmpty { k += 1; continue }
      if line.hasPrefix("```") {
        var code: [String] = []
        k += 1
        while k < lines.count, !lines[k].hasPrefix("```") { code.append(lines[k]); k += 1 }
        out += "<pre>\(HTML.escape(code.joined(separator: "\n")))</pre>\n"
        k += 1
      } else if let level = line.firstIndex(where: { $0 != "#" }).map({ line.distance(from: line.startIndex, to: $0) }), level > 0, level <= 6,
        line.dropFirst(level).hasPrefix(" ") {
        let title = String(line.dropFirst(level + 1))
        let id = "section-" + HTML.identifier(title.lowercased().replacingOccurrences(of: " ", with: "-"))
        anchors.append(id)
        out += "<h\(level) id=\"\(id)\">\(inline(title))</h\(level)>\n"
        k += 1
      } else if line.hasPrefix("|") {
        var rows: [String] = []
        while k < lines.count, lines[k].hasPrefix("|") { rows.append(lines[k]); k += 1 }
        out += table(rows)
      } else if line.hasPrefix("- ") {
        out += "<ul>\n"
        while k < lines.count, lines[k].hasPrefix("- ") {
          var item = String(lines[k].dropFirst(2))
          k += 1
          while k < lines.count, lines[k].hasPrefix("  "), !lines[k].trimmingCharacters(in: .whitespaces).isEmpty {
            item += " " + lines[k].trimmingCharacters(in: .whitespaces)
            k += 1
          }
          out += "<li\(soundnessIDs(item))>\(inline(item))</li>\n"
        }
        out += "</ul>\n"
      } else {
        var paragraph: [String] = []
        while k < lines.count, !lines[k].trimmingCharacters(in: .whitespaces).isEmpty, !lines[k].hasPrefix("|"),
          !lines[k].hasPrefix("#"), !lines[k].hasPrefix("- "), !lines[k].hasPrefix("```") {
          paragraph.append(lines[k]); k += 1
        }
        let text = paragraph.joined(separator: " ")
        let id = leadingName(text).flatMap { text.dropFirst($0.count + 2).hasPrefix(":") ? ruleID($0) : nil }
        out += "<p\(id.map { " id=\"\($0)\"" } ?? "")>\(inline(text))</p>\n"
      }
    }
    return out
  }

  private mutating func table(_ rows: [String]) -> String {
    let cells = rows.map(Markdown.cells)
    guard let header = cells.first else { return "" }
    var out = "<table>\n<thead><tr>" + header.map { "<th scope=\"col\">\(inline($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
    for row in cells.dropFirst() where !row.allSatisfy({ $0.allSatisfy { "-: ".contains($0) } }) {
      let id = row.first.flatMap(leadingName).flatMap { row.first!.trimmingCharacters(in: .whitespaces) == "`\($0)`" ? ruleID($0) : nil }
      out += "<tr\(id.map { " id=\"\($0)\"" } ?? "")>" + row.map { "<td>\(inline($0))</td>" }.joined() + "</tr>\n"
    }
    return out + "</tbody></table>\n"
  }

  /// The cells of `| a | b \| c |`: split at bars not escaped by a backslash.
  static func cells(_ row: String) -> [String] {
    var cells: [String] = [], current = "", escaped = false
    for c in row.trimmingCharacters(in: .whitespaces).dropFirst() {
      if escaped { current.append(c); escaped = false; continue }
      if c == "\\" { escaped = true; continue }
      if c == "|" { cells.append(current.trimmingCharacters(in: .whitespaces)); current = ""; continue }
      current.append(c)
    }
    return cells
  }

  /// The name in backticks at the start of `text`, if any.
  private func leadingName(_ text: String) -> String? {
    let t = text.trimmingCharacters(in: .whitespaces)
    guard t.hasPrefix("`"), let end = t.dropFirst().firstIndex(of: "`") else { return nil }
    return String(t[t.index(after: t.startIndex)..<end])
  }

  private mutating func ruleID(_ name: String) -> String? {
    let id = "rule-" + HTML.identifier(name)
    guard !anchors.contains(id) else { return nil }
    anchors.append(id)
    return id
  }

  /// ` id="sound-a"` for a bullet `**a, b.** ...` (further names get hidden anchors in `inline`).
  private mutating func soundnessIDs(_ item: String) -> String {
    guard item.hasPrefix("**"), let end = item.dropFirst(2).range(of: "**") else { return "" }
    let names = item[item.index(item.startIndex, offsetBy: 2)..<end.lowerBound]
      .trimmingCharacters(in: CharacterSet(charactersIn: ". ")).components(separatedBy: ", ")
    guard let first = names.first, !first.contains(" ") else { return "" }
    let id = "sound-" + HTML.identifier(first)
    anchors.append(id)
    return " id=\"\(id)\""
  }

  /// Inline code, bold and links; everything else escaped.
  func inline(_ text: String) -> String {
    var out = ""
    for (k, part) in text.components(separatedBy: "`").enumerated() {
      if k % 2 == 1 { out += "<code>\(HTML.escape(part))</code>"; continue }
      var s = HTML.escape(part)
      s = s.replacingOccurrences(of: #"\*\*(.+?)\*\*"#, with: "<strong>$1</strong>", options: .regularExpression)
      s = s.replacingOccurrences(of: #"\[([^\]]+)\]\(([^)]+)\)"#, with: "$1", options: .regularExpression)
      out += s
    }
    return out
  }
}
