import Algebra
import Certificates
import ProofKernel

/// The page of one statement: the claim and its assumptions as mathematics, the definitions it
/// uses, its side conditions, the certificate's hash, why it failed (if it did) and every step of
/// the proof.
enum TheoremPage {
  static func render(_ proof: StatementProof, path: String, site: SiteContent) -> String {
    let root = SiteContent.root(of: path)
    let s = proof.statement
    let writer = MathWriter.shaping([s.lhs, s.rhs] + s.assumptions.flatMap(\.mentionedTerms))
    let claim = TheoremLanguage.print(s.lhs) + " = " + TheoremLanguage.print(s.rhs)
    let fileID = "file-" + HTML.identifier(site.files.first { $0.path == proof.file }?.stem ?? "")
    var body = """
      <p class="breadcrumb"><a href="\(root)index.html">Catalogue</a> › <a href="\(root)index.html#\(fileID)">\(HTML.escape(proof.file))</a></p>
      <h1>\(HTML.escape(proof.name))</h1>
      <p>\(PageLayout.badge(proof.status)) \(proof.kind) at <code>\(HTML.escape(s.location.description))</code>, \
      the engine took \(PageLayout.milliseconds(proof.milliseconds))\(statusNote(proof.status)).</p>
      <section aria-labelledby="statement"><h2 id="statement">Statement</h2>
      <p>For every value of the dimensions (integers ≥ 1), of the tensors and of the free indices in their ranges\
      \(s.assumptions.isEmpty ? "" : ", wherever the assumptions below hold"):</p>
      \(MathWriter.block(writer.equation(s.lhs, s.rhs), alt: claim))
      \(legend(s))
      <details><summary>As written in the theorem language</summary><pre>\(HTML.escape(claim))</pre></details>
      \(indices(s, writer))
      <h3>Assumptions</h3>
      \(assumptions(s, writer))
      </section>

      """
    body += definitions(proof, writer)
    if let failure = proof.outcome.failure {
      body += FailureSection.render(failure, proof: proof)
    }
    body += sideConditions(proof, writer)
    body += certificate(proof)
    body += StepsSection.render(proof, root: root)
    return PageLayout.page(title: proof.name, root: root, body: body)
  }

  private static func statusNote(_ status: StatementProof.Status) -> String {
    if case let .proved(note) = status { return " (\(HTML.escape(note)))" }
    return ""
  }

  /// What the notation of a vjp or grad claim means, for a reader who does not know Certify.
  private static func legend(_ s: Statement) -> String {
    guard case let .vjp(v) = s.lhs.node else { return "" }
    if v.seed == nil {
      return "<p class=\"note\">∇ is the gradient: the tensor whose inner product with any direction is the derivative in that direction.</p>"
    }
    return "<p class=\"note\">(∂y/∂x)<sup>⊤</sup>dy is the vector–Jacobian product: the backward rule a trainer runs, with upstream gradient dy. "
      + "It is proved as the adjoint identity Σ dy · D y[dx] = Σ dx · (right side), for every direction dx.</p>"
  }

  private static func indices(_ s: Statement, _ w: MathWriter) -> String {
    guard !s.indices.isEmpty else { return "" }
    let ranges = s.indices.map { MathWriter.inline(w.range($0.name, $0.size), alt: "0 <= \($0.name) < \($0.size)") }
    return "<p>Free indices: \(ranges.joined(separator: ", ")).</p>"
  }

  private static func assumptions(_ s: Statement, _ w: MathWriter) -> String {
    guard !s.assumptions.isEmpty else { return "<p>None.</p>" }
    return "<ul>" + s.assumptions.map { "<li>" + MathWriter.inline(w.formula($0), alt: TheoremLanguage.print($0)) + "</li>" }.joined() + "</ul>"
  }

  /// The definitions the statement and its proof refer to, each with an anchor, in dependency order.
  private static func definitions(_ proof: StatementProof, _ w: MathWriter) -> String {
    let used = DefinitionsUsed.collect(proof)
    guard !used.isEmpty else { return "" }
    var out = "<section aria-labelledby=\"definitions\"><h2 id=\"definitions\">Definitions used</h2>\n<p>"
    out += used.map { HTML.link("#def-" + HTML.identifier($0.name), $0.name) }.joined(separator: " · ") + "</p>\n<dl>\n"
    for d in used {
      let params = d.parameters.map { Math.identifier($0) }
      let head = Math.subscripted("<mi class=\"def\">\(HTML.escape(d.name))</mi>", params)
      let ranges = zip(d.parameters, d.shape).map { w.range($0, $1) }.joined(separator: "<mo separator=\"true\">,</mo>")
      let math = "<mrow>\(head)<mo>=</mo>\(w.term(d.body))</mrow>" + (ranges.isEmpty ? "" : "<mspace width=\"1em\"></mspace><mrow><mo>(</mo>\(ranges)<mo>)</mo></mrow>")
      out += "<dt id=\"def-\(HTML.identifier(d.name))\"><code>\(HTML.escape(d.name))</code></dt><dd>\(MathWriter.block(math, alt: "\(d.name) = \(d.body)"))</dd>\n"
    }
    return out + "</dl></section>\n"
  }

  /// The theorem's hypotheses, and the conditions the rules raised with how they were met.
  private static func sideConditions(_ proof: StatementProof, _ w: MathWriter) -> String {
    var out = "<section aria-labelledby=\"side-conditions\"><h2 id=\"side-conditions\">Side conditions</h2>\n"
    guard let theorem = proof.outcome.theorem else {
      return out + "<p>The statement is not proved, so no side condition was discharged.</p></section>\n"
    }
    let stated = Set(theorem.hypotheses.map(\.alphaKey))
    out += "<p>The proved theorem's hypotheses (the assumptions and the ranges of the free indices):</p>\n<ul>"
    out += theorem.hypotheses.map { "<li>" + MathWriter.inline(w.formula($0), alt: $0.description) + "</li>" }.joined()
    out += theorem.hypotheses.isEmpty ? "<li>none</li>" : ""
    out += "</ul>\n"
    let d = proof.derivation
    if case let .discharge(k, _)? = d.steps.last, d.theorems.indices.contains(k) {
      let raised = d.theorems[k].hypotheses
      out += "<p>Conditions the rules raised (step \(k), before <a href=\"#step-\(d.steps.count - 1)\">the final discharge</a>):</p>\n<ul>"
      for h in raised {
        let how = stated.contains(h.alphaKey) ? "stated" : "discharged by the kernel (its positivity check, or implied by a stated hypothesis)"
        out += "<li>" + MathWriter.inline(w.formula(h), alt: h.description) + " <span class=\"note\">— \(how)</span></li>"
      }
      out += raised.isEmpty ? "<li>none</li>" : ""
      out += "</ul>\n"
    }
    return out + "</section>\n"
  }

  private static func certificate(_ proof: StatementProof) -> String {
    guard let c = proof.certificate else { return "" }
    return """
      <section aria-labelledby="certificate"><h2 id="certificate">Certificate</h2>
      <dl>
      <dt>SHA-256 of the theorem's serialization</dt><dd class="hash">\(c.sha256)</dd>
      <dt>Source</dt><dd><code>\(HTML.escape(c.source))</code></dd>
      <dt>Rule set, derivative table</dt><dd><code>\(HTML.escape(c.ruleSetVersion))</code>, <code>\(HTML.escape(c.functionTableVersion))</code></dd>
      <dt>Steps</dt><dd>\(c.steps.count)</dd>
      <dt>The theorem, as the kernel prints it</dt><dd><pre>\(HTML.escape(c.statement))</pre></dd>
      </dl></section>

      """
  }
}
