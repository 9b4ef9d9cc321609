import ProofKernel

/// The proof, one item per kernel rule call: the rule (linked to its entry in the rule reference),
/// its premises, where it applied, and the equation before and after with that position highlighted.
///
/// Size limits keep a page readable and its file small: a step whose two equations would take more
/// than `limits.stepMath` characters of MathML shows the rewritten subterm before and after
/// instead of the whole equations, and once a page holds `limits.pageMath` characters of step
/// mathematics, the remaining steps are shown in the kernel's text form only.
enum StepsSection {
  static func render(_ proof: StatementProof, root: String, limits: SizeLimits = .standard) -> String {
    let d = proof.derivation
    var out = "<section aria-labelledby=\"proof\"><h2 id=\"proof\">Proof (\(d.steps.count) steps)</h2>\n"
    out += """
      <p>Each step is one call of a kernel rule; the kernel computed every equation shown. A rewrite applies its rule \
      to the highlighted subterm of the right side of its premise and puts the result in the same place.</p>
      <ol class="steps">

      """
    var budget = limits.pageMath
    for (k, step) in d.steps.enumerated() {
      let (html, used) = item(k, step, d, root: root, budget: budget, limit: limits.stepMath)
      budget -= used
      out += html
    }
    out += "</ol>\n"
    if budget <= 0 {
      out += "<p class=\"note\">This page reached its size limit (\(limits.pageMath / 1000) kB of mathematics): the later steps are shown in the kernel's text form.</p>\n"
    }
    if let failure = proof.replayFailure {
      out += "<p class=\"failure\">The recorded steps stop replaying at \(HTML.escape(failure)).</p>\n"
    } else if let failure = proof.outcome.failure, !d.steps.isEmpty {
      out += "<p class=\"note\">The proof stopped after these steps: \(HTML.escape(headline(failure))).</p>\n"
    }
    return out + "</section>\n"
  }

  private static func headline(_ failure: Any) -> String { String(describing: failure).split(separator: "\n").first.map(String.init) ?? "" }

  /// One step; returns its HTML and the characters of mathematics it used.
  private static func item(_ k: Int, _ step: Step, _ d: Derivation, root: String, budget: Int, limit: Int) -> (String, Int) {
    let result = d.theorems[k]
    let rule = "<a href=\"\(root)rules.html#\(RulesDocument.anchor(for: step.ruleName))\"><code>\(step.ruleName)</code></a>"
    var head = "<span class=\"number\">\(k).</span>\(rule)"
    let premises = step.premises
    if !premises.isEmpty { head += " from " + premises.map { "<a href=\"#step-\($0)\">step \($0)</a>" }.joined(separator: " and ") }
    var lines: [String] = []
    var used = 0
    let writer = MathWriter.shaping([result.lhs, result.rhs])
    switch step {
    case let .rewrite(a, path, _), let .cong(a, path, _):
      head += path.isEmpty ? ", on the whole right side" : ", at position <code>\(path.map(String.init).joined(separator: "."))</code>"
      let premise = d.theorems[a]
      var w = writer
      w.focus = path
      // The left side is the premise's (cong and the rewrites change the right side only): written once.
      let left = writer.term(premise.lhs), leftText = premise.lhs.description
      let before = "<mrow>\(left)<mo>=</mo>\(w.term(premise.rhs))</mrow>"
      let after = result.lhs == premise.lhs ? "<mrow>\(left)<mo>=</mo>\(w.term(result.rhs))</mrow>" : w.equation(result.lhs, result.rhs)
      if budget <= 0 {
        lines.append(text("before", (try? premise.rhs.subterm(at: path))?.description ?? "?"))
        lines.append(text("after", (try? result.rhs.subterm(at: path))?.description ?? "?"))
      } else if before.utf8.count + after.utf8.count > limit {
        let s = (try? premise.rhs.subterm(at: path)).map { writer.term($0) } ?? "", t = (try? result.rhs.subterm(at: path)).map { writer.term($0) } ?? ""
        lines.append(math("the subterm before", s, alt: (try? premise.rhs.subterm(at: path))?.description ?? ""))
        lines.append(math("after", t, alt: (try? result.rhs.subterm(at: path))?.description ?? ""))
        lines.append("<dt>note</dt><dd class=\"note\">the whole equations (\((before.utf8.count + after.utf8.count) / 1000) kB of mathematics) are not shown: only the rewritten part</dd>")
        used = s.utf8.count + t.utf8.count
      } else {
        lines.append(math("before", before, alt: "\(leftText) = \(premise.rhs)"))
        lines.append(math("after", after, alt: "\(result.lhs == premise.lhs ? leftText : result.lhs.description) = \(result.rhs)"))
        used = before.utf8.count + after.utf8.count
      }
      let known = Set(premise.hypotheses.map(\.alphaKey))
      let added = result.hypotheses.filter { !known.contains($0.alphaKey) }
      if !added.isEmpty {
        lines.append(math("needs", added.map(writer.formula).joined(separator: "<mo separator=\"true\">,</mo>"), alt: added.map(\.description).joined(separator: ", ")))
      }
    case let .assume(h, _):
      lines.append(math("assumes", writer.formula(h), alt: h.description))
      lines.append(sequent(result, writer, budget: budget, limit: limit, used: &used))
    case .discharge:
      head += ": every hypothesis of the premise follows from the stated ones"
      lines.append(sequent(result, writer, budget: budget, limit: limit, used: &used))
    case .vjpIntro:
      head += ": the adjoint identity holds for every direction, so its right side is the vector–Jacobian product"
      lines.append(sequent(result, writer, budget: budget, limit: limit, used: &used))
    case .refl:
      head += ": start from"
      lines.append(sequent(result, writer, budget: budget, limit: limit, used: &used))
    case .chain, .chainDef:
      head += ": the chain rule — the inner identity's cotangent is the outer identity's gradient"
      lines.append(sequent(result, writer, budget: budget, limit: limit, used: &used))
    case .fanOut:
      head += ": fan-out — a value used by two paths receives the sum of their cotangents"
      lines.append(sequent(result, writer, budget: budget, limit: limit, used: &used))
    case .sym, .trans, .alpha:
      lines.append(sequent(result, writer, budget: budget, limit: limit, used: &used))
    }
    let html = "<li id=\"step-\(k)\"><div class=\"step-head\">\(head)</div>\n<dl class=\"equations\">\(lines.joined())</dl></li>\n"
    return (html, used)
  }

  private static func sequent(_ th: Theorem, _ w: MathWriter, budget: Int, limit: Int, used: inout Int) -> String {
    let m = w.sequent(th)
    if budget <= 0 || m.utf8.count > limit { return text("gives", th.description) }
    used += m.utf8.count
    return math("gives", m, alt: th.description)
  }

  private static func math(_ label: String, _ body: String, alt: String) -> String {
    "<dt>\(label)</dt><dd>\(MathWriter.block(body, alt: alt))</dd>"
  }

  private static func text(_ label: String, _ body: String) -> String {
    "<dt>\(label)</dt><dd><code>\(HTML.escape(body))</code></dd>"
  }
}

/// How much mathematics a page may hold (characters of MathML), so that the largest proof's page
/// stays a few megabytes at most and opens quickly.
struct SizeLimits {
  /// The most a step's two equations may take before only the rewritten part is shown.
  var stepMath: Int
  /// The most all steps of a page may take before the rest are shown as text.
  var pageMath: Int

  static let standard = SizeLimits(stepMath: 60_000, pageMath: 3_000_000)
}
