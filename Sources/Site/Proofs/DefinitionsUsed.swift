import Algebra
import ProofKernel

/// The definitions a statement and its proof refer to, each once, every one after those its body
/// uses (then by name): the order a reader can follow.
enum DefinitionsUsed {
  static func collect(_ proof: StatementProof) -> [Definition] {
    var byName: [String: Definition] = [:]
    func visit(_ t: Term) {
      switch t.node {
      case let .reference(d, _): if byName[d.name] == nil { byName[d.name] = d; visit(d.body) }
      case let .vjp(v): visit(v.output)
      default: break
      }
      t.children.forEach(visit)
    }
    let s = proof.statement
    ([s.lhs, s.rhs] + s.assumptions.flatMap(\.mentionedTerms)).forEach(visit)
    for th in proof.derivation.theorems { visit(th.lhs); visit(th.rhs) }
    var ordered: [Definition] = [], done = Set<String>()
    func place(_ d: Definition) {
      guard done.insert(d.name).inserted else { return }
      var inner: [String] = []
      func uses(_ t: Term) {
        if case let .reference(e, _) = t.node { inner.append(e.name) }
        t.children.forEach(uses)
      }
      uses(d.body)
      for name in Set(inner).sorted() { if let e = byName[name] { place(e) } }
      ordered.append(d)
    }
    for name in byName.keys.sorted() { place(byName[name]!) }
    return ordered
  }
}
