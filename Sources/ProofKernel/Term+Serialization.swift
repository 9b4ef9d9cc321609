// Two printings of a term: an injective serialization (what certificates and hashes use) and a key
// that is equal exactly for alpha-equivalent terms (what the ring rule and equality checks use).

extension Term {
  /// Injective serialization: distinct terms print differently. Bound indices print by name;
  /// definitions print by name (a theorem lists their bodies once, `Theorem.serialized`), or in full
  /// when `inlineDefinitions` is set.
  public func serialized(inlineDefinitions: Bool = true) -> String {
    var printer = Printer(deBruijn: false, inlineDefinitions: inlineDefinitions)
    printer.write(self)
    return printer.out
  }

  /// A key equal for two terms exactly when they are equal up to renaming bound indices (bound
  /// indices print by binding position; sorted parts are sorted after printing).
  public var alphaKey: String {
    var printer = Printer(deBruijn: true, inlineDefinitions: true)
    printer.write(self)
    return printer.out
  }

  /// Equal up to renaming bound indices: equal `alphaKey`s, which decide. Equal terms, and terms
  /// with one number in an `AtomTable` (its keys name a definition by its number, which only equal
  /// definitions share), have equal `alphaKey`s, so those are asked first; they print nothing.
  public func isAlphaEquivalent(to other: Term) -> Bool {
    if self == other { return true }
    let atoms = AtomTable()
    if let a = try? atoms.number(of: self, bound: []), let b = try? atoms.number(of: other, bound: []), a == b { return true }
    return alphaKey == other.alphaKey
  }
}

struct Printer {
  let deBruijn: Bool
  let inlineDefinitions: Bool
  var out = ""
  var bound: [String] = []  // innermost last
  /// In keys (`deBruijn`), definitions already written out in full, numbered in order: a second
  /// reference prints `@k`. The key stays faithful (the k-th body printed is the one meant), and a
  /// definition shared by many paths of a network is printed once, not once per path.
  var written: [Int: Int] = [:]
  /// What a reference prints in place of its definition's body, when set: its `Definition.digest`
  /// (the order of hypotheses: as short as its name however deep the network below it, and the
  /// same in every process), or the number of its text (`DefinitionNumbers`, `discharge`'s keys).
  var definitionName: ((Definition) -> String)? = nil

  init(deBruijn: Bool, inlineDefinitions: Bool) {
    self.deBruijn = deBruijn
    self.inlineDefinitions = inlineDefinitions
  }

  func variable(_ v: Variable) -> String {
    switch v {
    case let .dimension(n): return "d:" + n
    case let .index(n):
      if deBruijn, let k = bound.lastIndex(of: n) { return "#" + String(bound.count - 1 - k) }
      return "i:" + n
    }
  }

  func affine(_ a: Affine, flipSign: Bool = false) -> String {
    // Negated as text: -Int.min does not fit an Int.
    func number(_ v: Int) -> String { !flipSign ? String(v) : v == .min ? "9223372036854775808" : String(-v) }
    var parts = a.terms.map { number($0.coefficient) + "*" + variable($0.variable) }
    if deBruijn, parts.count > 1 { parts.sort() }
    return "{" + number(a.constant) + " " + parts.joined(separator: " ") + "}"
  }

  func affines(_ xs: [Affine]) -> String { "[" + xs.map { affine($0) }.joined(separator: " ") + "]" }

  /// `affine(a)` appended to `out` (the same text): keys print many indices, and building each
  /// as its own string was a tenth of a deep network's proof.
  mutating func writeAffine(_ a: Affine) {
    out += "{"
    out += String(a.constant)
    out += " "
    if deBruijn, a.terms.count > 1 {
      out += a.terms.map { String($0.coefficient) + "*" + variable($0.variable) }.sorted().joined(separator: " ")
    } else {
      for (k, t) in a.terms.enumerated() {
        if k > 0 { out += " " }
        out += String(t.coefficient)
        out += "*"
        out += variable(t.variable)
      }
    }
    out += "}"
  }

  mutating func writeAffines(_ xs: [Affine]) {
    out += "["
    for (k, x) in xs.enumerated() {
      if k > 0 { out += " " }
      writeAffine(x)
    }
    out += "]"
  }

  mutating func writeTensor(_ t: TensorSymbol) {
    out += t.name
    writeAffines(t.shape)
  }

  func guardText(_ g: Guard) -> String {
    if g.isFalse { return "(G false)" }
    var parts = g.constraints.map { c -> String in
      if c.relation == .nonNegative { return "(ge \(affine(c.expression)))" }
      // The sign of an equality is fixed by its first variable, which renaming may change.
      let (a, b) = (affine(c.expression), affine(c.expression, flipSign: true))
      return "(eq \(deBruijn ? min(a, b) : a))"
    }
    if deBruijn { parts.sort() }
    return "(G " + parts.joined(separator: " ") + ")"
  }

  func tensor(_ t: TensorSymbol) -> String { t.name + affines(t.shape) }

  mutating func write(_ t: Term) {
    switch t.node {
    case let .constant(q): out += "q\(q)"
    case let .dimension(n): out += "d:" + n
    case let .named(n): out += "k:" + n
    case let .access(x, idx):
      out += "(T "
      writeTensor(x)
      out += " "
      writeAffines(idx)
      out += ")"
    case let .bracket(g): out += guardText(g)
    case let .sum(bs, g, body):
      bound.append(contentsOf: bs)
      out += deBruijn ? "(S \(bs.count) \(guardText(g)) " : "(S [\(bs.joined(separator: " "))] \(guardText(g)) "
      write(body)
      out += ")"
      bound.removeLast(bs.count)
    case let .add(ts): list("+", ts)
    case let .mul(ts): list("*", ts)
    case let .power(b, q): out += "(^ \(q) "; write(b); out += ")"
    case let .apply(f, a): out += "(f \(f.rawValue) "; write(a); out += ")"
    case let .reference(d, args):
      out += "(R \(d.name) "
      if let definitionName { out += definitionName(d) + " " } else if inlineDefinitions {
        if deBruijn, let k = written[d.number] { out += "@\(k) " } else {
          written[d.number] = written.count
          definition(d)
        }
      }
      writeAffines(args)
      out += ")"
    case let .derivative(body, x, dx): out += "(D \(tensor(x)) \(tensor(dx)) "; write(body); out += ")"
    case let .vjp(v):
      // The binders are innermost; indices bound outside stay bound (the output may mention them).
      let saved = bound
      bound += v.binders
      out += "(V \(deBruijn ? "\(v.binders.count)" : "[\(v.binders.joined(separator: " "))]") \(affines(v.shape)) "
      out += "\(tensor(v.wrt)) \(v.seed.map(tensor) ?? "_") "
      write(v.output)
      bound = saved
      out += " \(affines(v.at)))"
    }
  }

  mutating func list(_ op: String, _ ts: [Term]) {
    out += "(\(op)"
    for t in ts { out += " "; write(t) }
    out += ")"
  }

  /// `(def [params] [shape] body) ` with the parameters bound in the body.
  mutating func definition(_ d: Definition) {
    let saved = bound
    bound = d.parameters
    out += "(def \(deBruijn ? "\(d.parameters.count)" : "[\(d.parameters.joined(separator: " "))]") \(affines(d.shape)) "
    write(d.body)
    out += ") "
    bound = saved
  }
}

/// Definitions numbered by their text in keys (`alphaKey`'s, with each definition's body written
/// once and the definitions it refers to by their numbers): two get one number exactly when their
/// texts are equal, so keys using these numbers are equal exactly when the keys with every
/// definition written out would be, yet each costs its formula's own size, and each definition is
/// written once per table, not once per hypothesis that reaches it. One table per `discharge`.
final class DefinitionNumbers {
  var byObject: [Int: Int] = [:], byText: [String: Int] = [:]

  func number(_ d: Definition) -> Int {
    if let k = byObject[d.number] { return k }
    var p = Printer(deBruijn: true, inlineDefinitions: true)
    p.definitionName = { "=\(self.number($0))" }
    p.definition(d)
    let k = byText[p.out] ?? byText.count
    (byText[p.out], byObject[d.number]) = (k, k)
    return k
  }

  func key(_ f: Proposition) -> String {
    var p = Printer(deBruijn: true, inlineDefinitions: true)
    p.definitionName = { "=\(self.number($0))" }
    p.write(f)
    return p.out
  }
}

/// FNV-1a, 64 bits: deterministic across processes (Swift's `Hasher` is seeded per process).
func fnv1a(_ text: String) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
  return h
}
