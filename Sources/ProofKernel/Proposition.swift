/// A hypothesis of a sequent: an equation, a sign condition, a constraint on free indices, or one of
/// these for every value of some indices satisfying a guard.
public indirect enum Proposition: Hashable, Sendable {
  case equal(Term, Term)
  case nonZero(Term)
  case positive(Term)
  /// The free indices satisfy the guard (`0 <= i < n`).
  case holds(Guard)
  /// `forall b. [G] -> body`: the body holds at every integer point of the guard.
  case forAll([String], Guard, Proposition)

  /// `forall binders. [g] -> body`, or `body` itself when there are no binders.
  public static func quantified(_ binders: [String], _ g: Guard, _ body: Proposition) throws -> Proposition {
    if binders.isEmpty { return body }
    for b in binders { try requireIdentifier(b, in: "forall") }
    guard Set(binders).count == binders.count else {
      throw KernelError.malformed(what: "forall", reason: "repeated index in \(binders)")
    }
    return .forAll(binders, g, body)
  }

  /// Indices occurring free.
  public var freeIndices: Set<String> {
    switch self {
    case let .equal(a, b): return a.freeIndices.union(b.freeIndices)
    case let .nonZero(t), let .positive(t): return t.freeIndices
    case let .holds(g): return g.indices
    case let .forAll(bs, g, f): return g.indices.union(f.freeIndices).subtracting(bs)
    }
  }

  func mentions(_ name: String) -> Bool { terms.contains { $0.mentions(name) } }

  /// Replaces free indices, renaming quantified ones that would capture.
  public func substituting(_ map: [String: Affine]) throws -> Proposition {
    switch self {
    case let .equal(a, b): return .equal(try a.substituting(map), try b.substituting(map))
    case let .nonZero(t): return .nonZero(try t.substituting(map))
    case let .positive(t): return .positive(try t.substituting(map))
    case let .holds(g): return .holds(try g.substituting(map))
    case let .forAll(bs, g, f):
      let (renamed, inner) = try Term.renamingBinders(bs, under: map, avoiding: f.freeIndices.union(g.indices))
      return try .quantified(renamed, g.substituting(inner), f.substituting(inner))
    }
  }

  /// The key of `Term.alphaKey`, for formulas.
  public var alphaKey: String { var p = Printer(deBruijn: true, inlineDefinitions: true); p.write(self); return p.out }

  /// `alphaKey` with definitions named by their digests: equal for alpha-equivalent formulas, and
  /// linear in the formula's own size. Two different formulas may share it (a digest collision), so
  /// it only orders, or tells formulas apart (different order keys, different alpha-keys);
  /// `Theorem.canonical` settles ties by `alphaKey`.
  var orderKey: String {
    var p = Printer(deBruijn: true, inlineDefinitions: false)
    p.definitionName = { "#\($0.digest)" }
    p.write(self)
    return p.out
  }

  public func serialized(inlineDefinitions: Bool = true) -> String {
    var p = Printer(deBruijn: false, inlineDefinitions: inlineDefinitions)
    p.write(self)
    return p.out
  }
}

extension Printer {
  mutating func write(_ f: Proposition) {
    switch f {
    case let .equal(a, b): out += "(= "; write(a); out += " "; write(b); out += ")"
    case let .nonZero(t): out += "(!= "; write(t); out += ")"
    case let .positive(t): out += "(> "; write(t); out += ")"
    case let .holds(g): out += "(H \(guardText(g)))"
    case let .forAll(bs, g, body):
      bound.append(contentsOf: bs)
      out += deBruijn ? "(A \(bs.count) \(guardText(g)) " : "(A [\(bs.joined(separator: " "))] \(guardText(g)) "
      write(body)
      out += ")"
      bound.removeLast(bs.count)
    }
  }
}

extension Proposition {
  /// The terms the formula mentions.
  public var terms: [Term] {
    switch self {
    case let .equal(a, b): return [a, b]
    case let .nonZero(t), let .positive(t): return [t]
    case .holds: return []
    case let .forAll(_, _, f): return f.terms
    }
  }
}
