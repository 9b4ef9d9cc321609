import Algebra

/// `index.html`: every statement, grouped by theorem file, with its status, the time the engine
/// took and its claim; a search box; the models.
enum IndexPage {
  static func render(_ site: SiteContent) -> String {
    let proofs = site.files.flatMap(\.proofs)
    let certified = proofs.filter { $0.status == .certified }.count
    let failed = proofs.filter { $0.status == .failed }.count
    var body = """
      <h1>What Certify proves</h1>
      <p>Each statement below is a claim about a gradient or a layer's backward rule, in index notation, that holds \
      <strong>for every size</strong>: the dimensions (\(Math.inline("n")), …) are symbols. The engine rewrites both sides to a normal \
      form through the rules of a small trusted kernel; the recorded rule calls are the statement's certificate, which \
      the kernel replays. <span class="status certified">certified</span>: proved, and the certificate kept in the \
      repository is exactly this proof's. <span class="status proved">proved</span>: proved here, no current certificate \
      kept. <span class="status failed">FAILED</span>: not proved; its page says why.</p>
      <p>\(proofs.count) statements in \(site.files.count) files: \(certified) certified, \(proofs.count - certified - failed) \
      proved without a current certificate, \(failed) failed.</p>
      <div role="search">
      <label for="search">Search statements (name, file, status or formula)</label><br>
      <input id="search" type="search" autocomplete="off" placeholder="e.g. relu, grad, softmax">
      <p id="search-count" role="status" aria-live="polite"></p>
      </div>

      """
    for file in site.files {
      let id = "file-" + HTML.identifier(file.stem)
      body += "<section class=\"theorem-file\" aria-labelledby=\"\(id)\">\n<h2 id=\"\(id)\"><code>\(HTML.escape(file.path))</code></h2>\n"
      body += "<table>\n<thead><tr><th scope=\"col\">Statement</th><th scope=\"col\">Kind</th><th scope=\"col\">Status</th><th scope=\"col\">Time</th><th scope=\"col\">Claim</th></tr></thead>\n<tbody>\n"
      for proof in file.proofs {
        let claim = TheoremLanguage.print(proof.statement.lhs) + " = " + TheoremLanguage.print(proof.statement.rhs)
        let search = [proof.name, file.path, proof.kind, PageLayout.statusWord(proof.status), claim].joined(separator: " ").lowercased()
        let writer = MathWriter.shaping([proof.statement.lhs, proof.statement.rhs])
        body += "<tr data-search=\"\(HTML.escape(search))\">"
        body += "<th scope=\"row\">\(HTML.link(site.pagePath(proof), proof.name))</th>"
        body += "<td>\(proof.kind)</td><td>\(PageLayout.badge(proof.status))</td>"
        body += "<td class=\"time\">\(PageLayout.milliseconds(proof.milliseconds))</td>"
        // A long claim scrolls inside its cell rather than widening the table.
        body += "<td class=\"claim\"><div class=\"math-scroll\">\(MathWriter.inline(writer.equation(proof.statement.lhs, proof.statement.rhs), alt: claim))</div></td></tr>\n"
      }
      body += "</tbody>\n</table>\n</section>\n"
    }
    body += "<section aria-labelledby=\"models\">\n<h2 id=\"models\">Models</h2>\n"
    if site.models.isEmpty {
      body += "<p>No model specs were given.</p>\n"
    } else {
      body += "<p>The trainer builds a model only over layers whose certificates replay through the kernel.</p>\n<ul>\n"
      for model in site.models {
        body += "<li>\(HTML.link(model.pagePath, model.path)) — \(model.refusal == nil ? "builds over certified rules" : "refused: the trainer would not build it")</li>\n"
      }
      body += "</ul>\n"
    }
    body += "</section>\n"
    return PageLayout.page(title: "Catalogue", root: "", body: body, script: true)
  }
}

extension Math {
  /// An inline `<math>` of one identifier, for prose.
  static func inline(_ name: String) -> String { MathWriter.inline(identifier(name), alt: name) }
}

extension PageLayout {
  static func statusWord(_ status: StatementProof.Status) -> String {
    switch status {
    case .certified: return "certified"
    case .proved: return "proved"
    case .failed: return "failed"
    }
  }
}
