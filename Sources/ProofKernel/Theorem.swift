/// A sequent `hypotheses ⊢ lhs = rhs`, true for every value of the dimensions (integers >= 1), of
/// the tensors, and of the free indices, wherever the hypotheses hold.
///
/// Only the kernel's rules create theorems: the initializer is internal and there is no `Decodable`
/// conformance. Outside the kernel, a theorem is the result of replaying `Step`s.
public struct Theorem: Sendable {
  /// In the canonical order of `Theorem.canonical`, without repetitions up to renaming bound
  /// indices (so equal sequents are equal values).
  public let hypotheses: [Proposition]
  public let lhs: Term
  public let rhs: Term

  /// `canonical`: the hypotheses are a theorem's, in canonical order already (a rule passing its
  /// premise's on with nothing added); a canonical list is its own canonical form, as is one of
  /// fewer than two formulas, and its keys need not be printed again.
  init(_ hypotheses: [Proposition], _ lhs: Term, _ rhs: Term, canonical: Bool = false) {
    self.hypotheses = canonical || hypotheses.count < 2 ? hypotheses : Theorem.canonical(hypotheses, orderedBy: \.orderKey)
    self.lhs = lhs
    self.rhs = rhs
  }

  /// Sorted by `key`, ties sorted by `alphaKey`; one formula kept of each alpha-equivalence class.
  /// A formula is dropped only when it is equal, or alpha-equivalent, to one kept: the key orders
  /// and never identifies, so keys that collide cost nothing but the `alphaKey`s of the tie.
  static func canonical(_ hypotheses: [Proposition], orderedBy key: (Proposition) -> String) -> [Proposition] {
    let keyed = hypotheses.map { (key: key($0), formula: $0) }.sorted { $0.key < $1.key }
    var result: [Proposition] = []
    var start = 0
    while start < keyed.count {
      var end = start + 1
      while end < keyed.count, keyed[end].key == keyed[start].key { end += 1 }
      // Equal formulas first (cheap, and the usual tie: one hypothesis from two premises).
      var distinct: [Proposition] = []
      for k in keyed[start..<end] where !distinct.contains(k.formula) { distinct.append(k.formula) }
      if distinct.count == 1 {
        result.append(distinct[0])
      } else {
        var seen = Set<String>()
        let tie = distinct.map { ($0.alphaKey, $0) }.filter { seen.insert($0.0).inserted }
        result += tie.sorted { $0.0 < $1.0 }.map(\.1)
      }
      start = end
    }
    return result
  }

  /// The serialization a theorem with these parts would have: how a claim is compared with a
  /// replayed certificate without proving it (the trainer's check of its compiled-in rules).
  /// Printing only: no theorem is created.
  public static func serialization(hypotheses: [Proposition], lhs: Term, rhs: Term, texts: DefinitionTexts = DefinitionTexts()) throws -> String {
    try Theorem(hypotheses, lhs, rhs).serialized(texts)
  }

  /// The injective serialization: the definitions used (each once, sorted by name), the hypotheses,
  /// and the equation. This is what certificates hash. `texts` may be shared by the theorems of one
  /// model, which hold the same network's definitions: each is then printed once, not once per
  /// theorem (the text is the same either way).
  /// - Throws: when two different definitions share a name (the text would be ambiguous).
  public func serialized(_ texts: DefinitionTexts = DefinitionTexts()) throws -> String {
    var definitions: [String: Definition] = [:]
    func collect(_ t: Term) throws {
      if case let .reference(d, _) = t.node {
        if let known = definitions[d.name] {
          guard known == d else { throw KernelError.malformed(what: "theorem", reason: "two definitions named \(d.name)") }
        } else {
          definitions[d.name] = d
          try collect(d.body)
        }
      }
      if case let .vjp(v) = t.node { try collect(v.output) }
      for c in t.children { try collect(c) }
    }
    for t in hypotheses.flatMap(\.terms) + [lhs, rhs] { try collect(t) }
    var out = "(theorem (definitions"
    for name in definitions.keys.sorted() { out += " (\(name) " + texts.text(of: definitions[name]!) + ")" }
    out += ") (hypotheses"
    for f in hypotheses { out += " " + f.serialized(inlineDefinitions: false) }
    out += ") (= \(lhs.serialized(inlineDefinitions: false)) \(rhs.serialized(inlineDefinitions: false))))"
    return out
  }
}

/// Definitions as `Theorem.serialized` prints them, each printed once per table. A definition is
/// never changed once made and equal definitions print alike, so its text is a function of its
/// number, which only definitions equal to it share (`Definition.number`).
public final class DefinitionTexts {
  var printed: [Int: String] = [:]
  public init() {}

  func text(of d: Definition) -> String {
    if let known = printed[d.number] { return known }
    var p = Printer(deBruijn: false, inlineDefinitions: false)
    p.definition(d)
    printed[d.number] = p.out
    return p.out
  }
}
