import Foundation

/// The subset of Markdown that `Docs/Rules.md` uses, as HTML: headings, paragraphs, bullet lists
/// (with continuation lines), tables, fenced code, and inline code, bold and links (a link to
/// another document becomes its text: the site has only the rule reference), emphasis.
///
/// A table row whose first cell is a name in backticks (`` `sum-count` ``), and a paragraph that
/// begins with one followed by a colon, get the id `rule-NAME`; a bullet that begins with bold
/// names (`**pow-merge, pow-pow.**`) gets `sound-NAME` for each: the anchors proof steps link to.
struct Markdown {
  /// The ids given, in order.
  private(set) var anchors: [String] = []
  /// The names that a soundness bullet argues for: their table rows link to it.
  private var soundNames: Set<String> = []

  mutating func html(_ text: String) -> String {
    var out = ""
    let lines = text.components(separatedBy: "\n")
    soundNames = Set(lines.filter { $0.hasPrefix("- **") }.flatMap { Markdown.boldNames(String($0.dropFirst(2))) })
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
          let (id, extra) = soundnessIDs(item)
          out += "<li\(id)>\(extra)\(inline(item))</li>\n"
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
      var cells = row.map { "<td>\(inline($0))</td>" }
      if id != nil, let name = leadingName(row[0]), soundNames.contains(name) {
        cells[cells.count - 1] = cells[cells.count - 1].dropLast(5) + " <a href=\"#sound-\(HTML.identifier(name))\">why it is sound</a></td>"
      }
      out += "<tr\(id.map { " id=\"\($0)\"" } ?? "")>" + cells.joined() + "</tr>\n"
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

  /// The names in bold at the start of a bullet: `**pow-merge, pow-pow.** ...` gives both.
  static func boldNames(_ item: String) -> [String] {
    guard item.hasPrefix("**"), let end = item.dropFirst(2).range(of: "**") else { return [] }
    let names = item[item.index(item.startIndex, offsetBy: 2)..<end.lowerBound]
      .trimmingCharacters(in: CharacterSet(charactersIn: ". ")).components(separatedBy: ", ")
    return names.allSatisfy { !$0.contains(" ") && !$0.isEmpty } ? names : []
  }

  /// The id `sound-NAME` of a bullet's first bold name, and an empty anchor for each other one.
  private mutating func soundnessIDs(_ item: String) -> (id: String, extra: String) {
    let names = Markdown.boldNames(item)
    guard !names.isEmpty else { return ("", "") }
    let ids = names.map { "sound-" + HTML.identifier($0) }
    anchors += ids
    return (" id=\"\(ids[0])\"", ids.dropFirst().map { "<span id=\"\($0)\"></span>" }.joined())
  }

  /// Inline code, bold and links; everything else escaped.
  func inline(_ text: String) -> String {
    var out = ""
    for (k, part) in text.components(separatedBy: "`").enumerated() {
      if k % 2 == 1 { out += "<code>\(HTML.escape(part))</code>"; continue }
      var s = HTML.escape(part)
      s = s.replacingOccurrences(of: #"\*\*(.+?)\*\*"#, with: "<strong>$1</strong>", options: .regularExpression)
      s = s.replacingOccurrences(of: #"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])"#, with: "<em>$1</em>", options: .regularExpression)
      s = s.replacingOccurrences(of: #"\[([^\]]+)\]\(([^)]+)\)"#, with: "$1", options: .regularExpression)
      out += s
    }
    return out
  }
}
