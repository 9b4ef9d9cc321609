internal import Exact
public import ProofKernel

// A `log` whose argument is positive but not visibly so. The kernel's derivative of `log(u)` needs
// `u > 0`, which its positivity check decides syntactically: `sigmoid(a)` is positive, `1 -
// sigmoid(a)` is not seen to be. Before the derivative is taken, such an argument is rewritten to
// an equal form the check sees (`1 - sigmoid(a) = sigmoid(-a)`), the equation proved by the
// engine from the kernel's rules with no hypothesis left, so `cong` may enter the derivative.
extension Prover {
  /// Rewrites, below each derivative of `chain`'s current term, every `log` argument that has a
  /// visibly positive equal form to that form.
  static func usePositiveForms(_ chain: inout Chain, _ statement: Statement, _ normalizer: inout Normalizer) throws {
    // A layer's output is a definition (`y[i]`): its body is unfolded where it holds such a `log`.
    while let path = Normalizer.firstPath(in: chain.current, where: { t in
      if case let .reference(d, _) = t.node { return hasPositiveFormLog(d.body) } else { return false }
    }), hasDerivativeAbove(path, in: chain.current) {
      try chain.apply(.unfold, at: path)
    }
    var done: Set<[Int]> = []
    while let (path, form) = firstPositiveForm(in: chain.current, underDerivative: false, at: [], skipping: done) {
      done.insert(path)
      let argument = try chain.subterm(at: path)
      // The equation's own conditions (a denominator `1 + exp(a) != 0`) are discharged by the
      // kernel's positivity: what is left would bind `x` at a point, which `cong` under `D` refuses.
      guard let proved = try? equal(argument, form, statement, chain.builder, &normalizer),
        let clean = try? chain.builder.apply(.discharge(proved, stating: []))
      else { continue }
      try chain.rewrite(at: path, by: clean)
    }
  }

  /// After the derivative: each `sigmoid(-a)` that a positive form left outside a `log` back to
  /// `1 - sigmoid(a)`, the form the other side is written in; the new monomials, or nil if none.
  static func undoPositiveForms(_ chain: inout Chain, _ statement: Statement, _ normalizer: inout Normalizer) throws -> [Monomial]? {
    var changed = false, done: Set<[Int]> = []
    while let path = Normalizer.firstPath(in: chain.current, where: { t in
      guard case let .apply(.sigmoid, a) = t.node, case let .mul(fs) = a.node, fs.count == 2 else { return false }
      if case let .constant(m) = fs[0].node { return m == Rational(-1) } else { return false }
    }), !done.contains(path) {
      done.insert(path)
      guard case let .apply(_, a) = try chain.subterm(at: path).node, case let .mul(fs) = a.node else { break }
      let written: Term = .add([.one, .mul([.integer(-1), .apply(.sigmoid, fs[1])])])
      guard let proved = try? equal(written, try chain.subterm(at: path), statement, chain.builder, &normalizer),
        let clean = try? chain.builder.apply(.discharge(proved, stating: [])),
        let back = try? chain.builder.apply(.sym(clean))
      else { continue }
      try chain.rewrite(at: path, by: back)
      changed = true
    }
    return changed ? try normalizer.normalize(&chain, at: []) : nil
  }

  private static func hasPositiveFormLog(_ t: Term) -> Bool {
    if case let .apply(.log, u) = t.node, positiveForm(of: u) != nil { return true }
    if case let .reference(d, _) = t.node { return hasPositiveFormLog(d.body) }
    return t.children.contains(where: hasPositiveFormLog)
  }

  private static func hasDerivativeAbove(_ path: [Int], in t: Term) -> Bool {
    var node = t
    for k in path {
      if case .derivative = node.node { return true }
      node = node.children[k]
    }
    return false
  }

  /// The path of the first `log` argument below a derivative that has a positive form, with it.
  private static func firstPositiveForm(in t: Term, underDerivative: Bool, at path: [Int], skipping done: Set<[Int]>) -> ([Int], Term)? {
    if underDerivative, case let .apply(.log, u) = t.node, !done.contains(path + [0]), let form = positiveForm(of: u) {
      return (path + [0], form)
    }
    let inside: Bool
    if case .derivative = t.node { inside = true } else { inside = underDerivative }
    for (k, child) in t.children.enumerated() {
      if let found = firstPositiveForm(in: child, underDerivative: inside, at: path + [k], skipping: done) { return found }
    }
    return nil
  }

  /// `1 - sigmoid(a)` (in either order, the sigmoid negated by a factor -1): `sigmoid(-a)`.
  static func positiveForm(of u: Term) -> Term? {
    guard case let .add(ts) = u.node, ts.count == 2 else { return nil }
    for (one, other) in [(ts[0], ts[1]), (ts[1], ts[0])] {
      guard case let .constant(c) = one.node, c == Rational(1), case let .mul(fs) = other.node, fs.count == 2 else { continue }
      for (sign, s) in [(fs[0], fs[1]), (fs[1], fs[0])] {
        guard case let .constant(m) = sign.node, m == Rational(-1), case let .apply(.sigmoid, a) = s.node else { continue }
        return .apply(.sigmoid, .mul([.integer(-1), a]))
      }
    }
    return nil
  }
}
