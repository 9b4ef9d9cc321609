import Exact
import ProofKernel

/// Writes terms of the kernel as MathML Core (which Chromium, Firefox and Safari render natively),
/// in index notation: `W[o, i]` is W with subscript `o, i`, `sum(i: n) t` a ∑ from `i = 0` to
/// `n − 1`, `x ^ (-1)` a fraction, `x ^ (1/2)` a square root, `[G]` an Iverson bracket, `delta(i, j)`
/// a Kronecker δ.
///
/// Positions are the kernel's (`Term.children`): when `focus` is set, the subterm at that path
/// is wrapped in `<mrow class="focus">`, which the stylesheet highlights, so a reader sees where a
/// rule applied. Every name and number is escaped.
///
///     MathWriter().math(term)   // <math display="block" alttext="...">...</math>
struct MathWriter {
  /// The path (child numbers, from the root of the term written) of the subterm to highlight.
  var focus: [Int]? = nil
  /// Tensor names carried by tensors of different shapes in what is written: these are written
  /// with their shapes, so that two different tensors never read as one.
  var shaped: Set<String> = []

  /// A block `<math>` element for `body`, with `alt` (the plain-text form) for assistive tools.
  static func block(_ body: String, alt: String) -> String {
    "<math display=\"block\" alttext=\"\(HTML.escape(alt))\">\(body)</math>"
  }

  /// An inline `<math>` element.
  static func inline(_ body: String, alt: String) -> String {
    "<math alttext=\"\(HTML.escape(alt))\">\(body)</math>"
  }

  // MARK: - Terms

  /// The MathML of `t` (no `<math>` element), at `path` from the root of what is being written.
  /// `precedence`: 0 inside a sum or at the top, 1 a factor, 2 the base of a power.
  func term(_ t: Term, path: [Int] = [], precedence: Int = 0) -> String {
    let body = unfocused(t, path: path, precedence: precedence)
    return path == focus ? "<mrow class=\"focus\">\(body)</mrow>" : body
  }

  private func unfocused(_ t: Term, path: [Int], precedence: Int) -> String {
    switch t.node {
    case let .constant(q):
      return q.signum < 0 || !q.isInteger ? product([(t, path)], precedence: precedence) : Math.number(q.description)
    case let .dimension(n): return Math.identifier(n)
    case let .named(n): return Math.named(n)
    case let .access(x, idx): return Math.subscripted(tensorName(x), idx.map(affine))
    case let .reference(d, idx): return Math.subscripted("<mi class=\"def\">\(HTML.escape(d.name))</mi>", idx.map(affine))
    case let .bracket(g): return bracket(g)
    case let .sum(bs, g, body):
      let inner = term(body, path: path + [0], precedence: 1)
      return Math.parenthesized("<mrow>\(summation(bs, g))\(inner)</mrow>", if: precedence > 0)
    case .add(let ts): return addition(ts, path: path, precedence: precedence)
    case .mul(let ts): return product(ts.enumerated().map { ($1, path + [$0]) }, precedence: precedence)
    case let .power(b, q): return power(b, q, path: path, precedence: precedence, whole: t)
    case let .apply(f, a):
      return "<mrow><mi>\(f.rawValue)</mi><mo>&#x2061;</mo>\(Math.parenthesized(term(a, path: path + [0]), if: true))</mrow>"
    case let .derivative(body, x, dx):
      let d = "<msub><mi mathvariant=\"normal\">D</mi>\(tensorName(x))</msub>"
      return "<mrow>\(d)\(Math.parenthesized(term(body, path: path + [0]), if: true))<mo>[</mo>\(tensorName(dx))<mo>]</mo></mrow>"
    case let .vjp(v): return vectorJacobianProduct(v)
    }
  }

  /// `(∇_x L)_at` for a gradient, `((∂y/∂x)ᵀ dy)_at` for a vector–Jacobian product.
  private func vectorJacobianProduct(_ v: VectorJacobianProduct) -> String {
    let output = term(v.output, path: [-1], precedence: 1)  // no focus inside: not a position
    let inner: String
    if let seed = v.seed {
      let jacobian = "<mfrac><mrow><mo>&#x2202;</mo>\(output)</mrow><mrow><mo>&#x2202;</mo>\(tensorName(v.wrt))</mrow></mfrac>"
      inner = "<mrow><msup>\(Math.parenthesized(jacobian, if: true))<mo>&#x22A4;</mo></msup>\(tensorName(seed))</mrow>"
    } else {
      inner = "<mrow><msub><mo>&#x2207;</mo>\(tensorName(v.wrt))</msub>\(output)</mrow>"
    }
    return Math.subscripted(Math.parenthesized(inner, if: true), v.at.map(affine))
  }

  /// A tensor's name, with its shape when another tensor of the same name has another shape.
  func tensorName(_ x: TensorSymbol) -> String {
    let name = "<mi>\(HTML.escape(x.name))</mi>"
    guard shaped.contains(x.name) else { return name }
    let shape = x.shape.map(affine).joined(separator: "<mo>,</mo>")
    return "<msup>\(name)<mrow><mo>&#x27E8;</mo>\(shape)<mo>&#x27E9;</mo></mrow></msup>"
  }
}

/// Small MathML pieces.
enum Math {
  static func number(_ text: String) -> String { "<mn>\(HTML.escape(text))</mn>" }

  static func identifier(_ name: String) -> String { "<mi>\(HTML.escape(name))</mi>" }

  /// Named constants: `pi` is π and `eps` ε; others as written.
  static func named(_ name: String) -> String {
    switch name {
    case "pi": return "<mi>&#x3C0;</mi>"
    case "eps": return "<mi>&#x3B5;</mi>"
    default: return identifier(name)
    }
  }

  static func parenthesized(_ body: String, if condition: Bool) -> String {
    condition ? "<mrow><mo>(</mo>\(body)<mo>)</mo></mrow>" : body
  }

  /// `base` with the subscripts separated by commas (none: `base` alone).
  static func subscripted(_ base: String, _ subscripts: [String]) -> String {
    subscripts.isEmpty ? base : "<msub>\(base)<mrow>\(subscripts.joined(separator: "<mo separator=\"true\">,</mo>"))</mrow></msub>"
  }
}
