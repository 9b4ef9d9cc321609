// The readable printing of terms, in the notation of the theorem language (Docs/TheoremLanguage.md).
// Outside the kernel: nothing the kernel accepts depends on it. The kernel's refusal messages print
// terms by interpolation, which finds these conformances at run time in any program that links this
// module (every module that prints does: Package.swift).

import ProofKernel

extension Term: CustomStringConvertible {
  public var description: String { text(precedence: 0, shaped: Term.sharedNames(in: [self])) }

  /// Precedence: 0 sum/add, 1 product, 2 power operand, 3 atom. Tensors named in `shaped` print
  /// with their shape, `x<n>[i]`: two tensors that share a name are different tensors.
  func text(precedence: Int, shaped: Set<String>) -> String {
    func wrap(_ s: String, _ own: Int) -> String { own < precedence ? "(" + s + ")" : s }
    func name(_ t: TensorSymbol) -> String {
      shaped.contains(t.name) ? "\(t.name)<\(t.shape.map(\.description).joined(separator: ", "))>" : t.name
    }
    switch node {
    case let .constant(q):
      let s = q.description
      return (q.signum < 0 || !q.isInteger) ? wrap(s, 1) : s
    case let .dimension(n), let .named(n): return n
    case let .access(t, idx): return "\(name(t))[\(idx.map(\.description).joined(separator: ", "))]"
    case let .reference(d, idx): return idx.isEmpty ? d.name : "\(d.name)[\(idx.map(\.description).joined(separator: ", "))]"
    case let .bracket(g): return Term.guardText(g)
    case let .sum(bs, g, body):
      return wrap("sum(\(Term.binderText(bs, g))) \(body.text(precedence: 1, shaped: shaped))", 0)
    case let .add(ts):
      // A nested sum as the first operand is parenthesized, so that `(a + b) + c` and `a + b + c`
      // (different terms, the same value) print differently.
      var s = ts[0].text(precedence: ts[0].node.isAdd ? 1 : 0, shaped: shaped)
      for t in ts.dropFirst() { s += " + " + t.text(precedence: 1, shaped: shaped) }
      return wrap(s, 0)
    case let .mul(ts): return wrap(ts.map { $0.text(precedence: 2, shaped: shaped) }.joined(separator: " * "), 1)
    case let .power(b, q): return wrap("\(b.text(precedence: 3, shaped: shaped)) ^ \(q.isInteger && q.signum >= 0 ? q.description : "(\(q))")", 2)
    case let .apply(f, a): return "\(f.rawValue)(\(a.text(precedence: 0, shaped: shaped)))"
    case let .derivative(t, x, dx): return "D(\(t.text(precedence: 0, shaped: shaped)))[\(name(x)) := \(name(dx))]"
    case let .vjp(v):
      let at = "[\(v.at.map(\.description).joined(separator: ", "))]"
      let output = v.output.text(precedence: 0, shaped: shaped)
      guard let seed = v.seed else { return "grad(\(output), \(name(v.wrt)))\(at)" }
      let out = "\(v.binders.joined(separator: ", ")): \(v.shape.map(\.description).joined(separator: ", "))"
      return "vjp(\(out) -> \(output), \(name(v.wrt)), \(name(seed)))\(at)"
    }
  }

  /// `i: n` for the plain range `0 <= i < n`, otherwise `i, j | constraints`.
  static func binderText(_ bs: [String], _ g: Guard) -> String {
    if bs.count == 1, g.constraints.count == 2, let size = Term.axisSize(bs[0], g) { return "\(bs[0]): \(size)" }
    return bs.joined(separator: ", ") + " | " + g.description
  }

  /// The size `n` when `g` is exactly `0 <= i <= n - 1`.
  static func axisSize(_ i: String, _ g: Guard) -> Affine? {
    guard let lower = g.constraints.first(where: { $0.expression == (try? Affine.index(i)) }),
      lower.relation == .nonNegative,
      let upper = g.constraints.first(where: { $0.expression.coefficient(of: .index(i)) == -1 }),
      upper.expression.indices == [i],
      let size = try? upper.expression.plus(.index(i)).plus(.constant(1))
    else { return nil }
    return size
  }

  static func guardText(_ g: Guard) -> String {
    if g.constraints.count == 1, let c = g.constraints.first, c.relation == .equal, c.expression.constant == 0,
      c.expression.terms.count == 2, c.expression.terms[0].coefficient == 1, c.expression.terms[1].coefficient == -1 {
      return "delta(\(c.expression.terms[0].variable.name), \(c.expression.terms[1].variable.name))"
    }
    return "[\(g)]"
  }
}

extension Term.Node {
  var isAdd: Bool { if case .add = self { return true } else { return false } }
}

extension Term {
  /// Names carried by more than one tensor (same name, different shapes) in `terms`, definitions'
  /// bodies included.
  static func sharedNames(in terms: [Term]) -> Set<String> {
    var shapes: [String: Set<[Affine]>] = [:]
    var seen = Set<String>()  // definitions already visited
    func visit(_ t: Term) {
      switch t.node {
      case let .access(x, _): shapes[x.name, default: []].insert(x.shape)
      case let .reference(d, _): if seen.insert(d.name).inserted { visit(d.body) }
      case let .derivative(_, x, dx): shapes[x.name, default: []].insert(x.shape); shapes[dx.name, default: []].insert(dx.shape)
      case let .vjp(v):
        for x in [v.wrt] + (v.seed.map { [$0] } ?? []) { shapes[x.name, default: []].insert(x.shape) }
        visit(v.output)
      default: break
      }
      t.children.forEach(visit)
    }
    terms.forEach(visit)
    return Set(shapes.filter { $0.value.count > 1 }.keys)
  }
}
