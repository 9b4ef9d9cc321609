import ProofKernel

/// The page of a model spec: the spec, its layers in order with the rules they run and the
/// certificate each rule rests on (linked to the statement's page), or the trainer's refusal.
enum ModelPage {
  static func render(_ model: ModelSummary, site: SiteContent) -> String {
    let root = SiteContent.root(of: model.pagePath)
    var body = """
      <p class="breadcrumb"><a href="\(root)index.html#models">Models</a></p>
      <h1>Model <code>\(HTML.escape(model.path))</code></h1>
      <h2>Spec</h2>
      <pre>\(HTML.escape(model.text))</pre>

      """
    if let refusal = model.refusal {
      body += "<section class=\"failure\" aria-labelledby=\"refused\"><h2 id=\"refused\">Refused</h2>"
      body += "<p>The trainer does not build this model:</p><pre>\(HTML.escape(refusal))</pre></section>\n"
      return PageLayout.page(title: model.path, root: root, body: body)
    }
    body += """
      <h2>Layers and the certificates they rest on</h2>
      <p>The trainer builds the model only after replaying each rule's certificate through the kernel and \
      comparing the rebuilt theorem's SHA-256 with the rule its code implements.</p>
      <table><thead><tr><th scope="col">Layer</th><th scope="col">Block</th><th scope="col">Widths</th>\
      <th scope="col">Rules</th><th scope="col">SHA-256 of the certified theorem</th></tr></thead><tbody>

      """
    for row in model.rows {
      let rules = row.rules.map { rule -> String in
        if let page = site.pagePath(statement: rule.name, preferring: "layers.thm") { return HTML.link(root + page, rule.name) }
        return row.formula != nil ? HTML.link("#formula-" + HTML.identifier(rule.name), rule.name) : "<code>\(HTML.escape(rule.name))</code>"
      }
      let hashes = row.rules.map { "<span class=\"hash\">\($0.sha256 ?? "—")</span>" }
      body += "<tr><th scope=\"row\">\(HTML.escape(row.name))</th><td><code>\(HTML.escape(row.kind))</code></td><td>\(HTML.escape(row.widths))</td>"
      body += "<td>\(rules.isEmpty ? "none (no backward rule of its own)" : rules.joined(separator: "<br>"))</td><td>\(hashes.joined(separator: "<br>"))</td></tr>\n"
    }
    body += "</tbody></table>\n"
    for row in model.rows {
      guard let formula = row.formula else { continue }
      let theorem = formula.theorem
      let writer = MathWriter.shaping([theorem.lhs, theorem.rhs])
      body += """
        <section aria-labelledby="formula-\(HTML.identifier(formula.rule))"><h2 id="formula-\(HTML.identifier(formula.rule))">\
        <code>\(HTML.escape(formula.rule))</code>: \(formula.derived ? "derived" : "given") and proved when the model is built</h2>
        <p>The layer is given by its forward formula; the engine \(formula.derived ? "derived" : "checked") its backward rule \
        <code>\(HTML.escape(formula.ruleText))</code>, and the kernel replayed the proof (\(formula.certificate.steps.count) steps):</p>
        \(MathWriter.block(writer.sequent(theorem), alt: theorem.description))
        <p>SHA-256: <span class="hash">\(formula.sha256)</span></p>
        </section>

        """
    }
    return PageLayout.page(title: model.path, root: root, body: body)
  }
}
