internal import ProofKernel

/// The definitions a proof refers to, in dependency order.
struct DefinitionCollector {
  var byName: [String: Definition] = [:]

  static func ordered(steps: [Step], theorem: Theorem) throws(CertificateError) -> [Definition] {
    var c = DefinitionCollector()
    for step in steps { try c.collect(step) }
    for h in theorem.hypotheses { try c.collect(h) }
    try c.collect(theorem.lhs)
    try c.collect(theorem.rhs)
    // Depth first in name order, each definition after those its body refers to.
    var out: [Definition] = []
    var done = Set<String>()
    func visit(_ d: Definition) {
      guard done.insert(d.name).inserted else { return }
      var inner = DefinitionCollector()
      try? inner.collect(d.body)  // the names were checked above
      for name in inner.byName.keys.sorted() { visit(c.byName[name]!) }
      out.append(d)
    }
    for name in c.byName.keys.sorted() { visit(c.byName[name]!) }
    return out
  }

  mutating func collect(_ step: Step) throws(CertificateError) {
    switch step {
    case let .refl(t): try collect(t)
    case let .alpha(_, l, r): try collect(l); try collect(r)
    case let .rewrite(_, _, .ring(t)): try collect(t)
    case let .assume(f, _): try collect(f)
    case let .discharge(_, fs): for f in fs { try collect(f) }
    case .sym, .trans, .cong, .rewrite, .vjpIntro, .chain, .chainDef, .fanOut: break
    }
  }

  mutating func collect(_ f: Proposition) throws(CertificateError) {
    switch f {
    case let .equal(a, b): try collect(a); try collect(b)
    case let .nonZero(t), let .positive(t): try collect(t)
    case .holds: break
    case let .forAll(_, _, g): try collect(g)
    }
  }

  mutating func collect(_ t: Term) throws(CertificateError) {
    switch t.node {
    case let .reference(d, _):
      if let known = byName[d.name] {
        guard known === d || known == d else { throw .ambiguousDefinition(d.name) }
      } else {
        byName[d.name] = d
        try collect(d.body)
      }
    case let .vjp(v): try collect(v.output)
    default: for c in t.children { try collect(c) }
    }
  }
}
