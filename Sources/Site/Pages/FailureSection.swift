import Algebra
import Evaluation
import Exact
import ProofKernel

/// Why a statement is not proved: both normal forms side by side, the counterexample with its
/// values (evaluated with the real functions: a true one), the assumption the difference needs, or
/// the hypothesis the kernel could not discharge.
enum FailureSection {
  static func render(_ failure: ProofFailure, proof: StatementProof) -> String {
    var out = "<section aria-labelledby=\"failure\" class=\"failure\"><h2 id=\"failure\">Why it is not proved</h2>\n"
    switch failure {
    case let .different(lhs, rhs, counterexample, missing):
      out += counterexample == nil
        ? "<p><strong>Not proved:</strong> the normal forms of the two sides differ, and no point where the sides differ was found. This is not a refutation.</p>\n"
        : "<p><strong>The two sides differ.</strong> Their normal forms are below, and a point where their values differ.</p>\n"
      if case .vjp = proof.statement.lhs.node {
        out += "<p class=\"note\">For a backward rule the two sides compared are those of the adjoint identity: "
          + "Σ dy · D y[dx] on the left and Σ dx · (the claimed rule) on the right, for a direction dx.</p>\n"
      }
      out += "<div class=\"side-by-side\">\n"
      out += "<div><h3>Left side, normal form</h3>\(normalForm(lhs, proof))</div>\n"
      out += "<div><h3>Right side, normal form</h3>\(normalForm(rhs, proof))</div>\n</div>\n"
      if let missing {
        out += "<p>The difference vanishes under the assumption <code>\(HTML.escape(missing))</code>, which is not stated.</p>\n"
      }
      if let counterexample { out += CounterexampleTable.render(counterexample, statement: proof.statement) }
    case let .missingHypothesis(h):
      out += "<p><strong>A hypothesis the proof needs could not be discharged:</strong> it is neither stated nor proved by the kernel's positivity check.</p>\n"
      out += hypothesis(h, proof)
      out += "<p>State it with an <code>assume</code> line if it holds where the statement is meant to.</p>\n"
    case let .unsupported(what):
      out += "<p><strong>The engine cannot prove this statement:</strong> <code>\(HTML.escape(what))</code></p>\n"
    case let .kernel(why):
      out += "<p><strong>The kernel refused a step:</strong> <code>\(HTML.escape(why))</code></p>\n"
    }
    return out + "</section>\n"
  }

  /// A normal form as mathematics when a theorem of the replayed derivation has it as its right
  /// side (then it is the kernel's own term), otherwise as the engine printed it.
  private static func normalForm(_ text: String, _ proof: StatementProof) -> String {
    if let th = proof.derivation.theorems.last(where: { $0.rhs.description == text }) {
      return MathWriter.block(MathWriter.shaping([th.rhs]).term(th.rhs), alt: text)
    }
    return "<pre>\(HTML.escape(text))</pre>"
  }

  /// The undischarged hypothesis, as mathematics when the last theorem of the derivation has it.
  private static func hypothesis(_ text: String, _ proof: StatementProof) -> String {
    let candidates = proof.derivation.theorems.reversed().flatMap(\.hypotheses)
    if let h = candidates.first(where: { $0.description == text }) {
      return MathWriter.block(MathWriter.shaping(h.mentionedTerms).formula(h), alt: text)
    }
    return "<pre>\(HTML.escape(text))</pre>"
  }
}

/// The values of a counterexample: sizes, free indices, every tensor entry (with its index where
/// the tensor's shape is known), named constants, and the two sides' values.
enum CounterexampleTable {
  static func render(_ c: Counterexample, statement: Statement) -> String {
    var rows: [(String, String)] = []
    for (name, value) in c.dimensions.sorted(by: { $0.key < $1.key }) { rows.append((name, "\(value) (dimension)")) }
    for (name, value) in c.indices.sorted(by: { $0.key < $1.key }) { rows.append((name, "\(value) (free index)")) }
    let shapes = tensorShapes(statement)
    for (name, values) in c.tensors.sorted(by: { $0.key < $1.key }) {
      rows.append((name, entries(values, shape: shapes[name].flatMap { size($0, c.dimensions) })))
    }
    for (name, value) in c.named.sorted(by: { $0.key < $1.key }) { rows.append((name, value.description)) }
    var out = "<h3>Counterexample</h3>\n<table><caption>Sizes and values at which the two sides differ</caption>\n"
    out += "<thead><tr><th scope=\"col\">name</th><th scope=\"col\">value</th></tr></thead><tbody>\n"
    for (name, value) in rows { out += "<tr><th scope=\"row\"><code>\(HTML.escape(name))</code></th><td><code>\(HTML.escape(value))</code></td></tr>\n" }
    out += "</tbody></table>\n"
    out += "<p>Left side = <code>\(HTML.escape(c.lhs.description))</code>, right side = <code>\(HTML.escape(c.rhs.description))</code>"
    if case .enclosure = c.lhs { out += " (enclosures computed with outward rounding that do not overlap)" }
    return out + ".</p>\n"
  }

  /// `[0, 1] = 2/3, [1, 0] = -1, ...` when the shape fits the values, else the list.
  static func entries(_ values: [Rational], shape: [Int]?) -> String {
    guard let shape, shape.reduce(1, *) == values.count, !shape.isEmpty else {
      return "[" + values.map(\.description).joined(separator: ", ") + "]"
    }
    return values.enumerated().map { k, v in
      var index: [Int] = [], rest = k
      for n in shape.reversed() { index.insert(rest % n, at: 0); rest /= n }
      return "[\(index.map(String.init).joined(separator: ", "))] = \(v)"
    }.joined(separator: "; ")
  }

  private static func tensorShapes(_ s: Statement) -> [String: [Affine]] {
    var shapes: [String: [Affine]] = [:]
    func visit(_ t: Term) {
      switch t.node {
      case let .access(x, _): shapes[x.name] = x.shape
      case let .reference(d, _): visit(d.body)
      case let .derivative(_, x, dx): shapes[x.name] = x.shape; shapes[dx.name] = dx.shape
      case let .vjp(v):
        shapes[v.wrt.name] = v.wrt.shape
        if let seed = v.seed { shapes[seed.name] = seed.shape }
        // The direction of the adjoint identity has the shape of `wrt` (the engine names it `d` + name).
        if shapes["d" + v.wrt.name] == nil { shapes["d" + v.wrt.name] = v.wrt.shape }
        visit(v.output)
      default: break
      }
      t.children.forEach(visit)
    }
    ([s.lhs, s.rhs] + s.assumptions.flatMap(\.mentionedTerms)).forEach(visit)
    return shapes
  }

  /// The sizes of a shape at the counterexample's dimensions (nil if one is not given).
  private static func size(_ shape: [Affine], _ dimensions: [String: Int]) -> [Int]? {
    var out: [Int] = []
    for a in shape {
      var n = a.constant
      for (v, c) in a.terms {
        guard let value = dimensions[v.name] else { return nil }
        n += c * value
      }
      guard n > 0 else { return nil }
      out.append(n)
    }
    return out
  }
}
