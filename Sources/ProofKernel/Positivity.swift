// The kernel's small positivity check: the only way, besides a stated assumption, to discharge a
// sign condition. It answers "unknown" (false) whenever it is unsure.

enum Positivity {
  /// Terms stated positive, by alpha-key, with their free indices. Where a binder (a sum's, a
  /// definition's parameters) captures one of those indices, the fact no longer speaks of the same
  /// variable and is dropped. Also each fact's `Proposition.positive(t).orderKey`, with no indices
  /// (never dropped): a key of another kind (it starts `(>`, a term's key never does), only a filter.
  typealias Known = [String: Set<String>]

  /// Known > 0 for every value of the variables, where the terms in `known` are positive.
  static func positive(_ t: Term, known: Known = [:]) -> Bool {
    // A term alpha-equivalent to a fact has the fact's order key, which is short: the alpha-key,
    // which writes out every definition below, is printed only for a term that passes it.
    if !known.isEmpty, known[Proposition.positive(t).orderKey] != nil, known[t.alphaKey] != nil { return true }
    func positive(_ t: Term, under names: [String] = []) -> Bool { Positivity.positive(t, known: known.filter { $0.value.isDisjoint(with: names) }) }
    func nonNegative(_ t: Term) -> Bool { Positivity.nonNegative(t, known: known) }
    switch t.node {
    case let .constant(q): return q.signum > 0
    case .dimension: return true
    case let .named(n): return n == "pi"
    case let .apply(f, _): return f == .exp || f == .sigmoid
    case let .power(b, _): return positive(b)
    case let .mul(fs): return fs.allSatisfy { positive($0) }
    case let .add(ts): return ts.allSatisfy { nonNegative($0) } && ts.contains { positive($0) }
    case let .sum(bs, g, body): return positive(body, under: bs) && nonEmpty(bs, g)
    case let .reference(d, _): return positive(d.body, under: d.parameters)
    default: return false
    }
  }

  /// Known >= 0 for every value of the variables (given `known`, as `positive`).
  static func nonNegative(_ t: Term, known: Known = [:]) -> Bool {
    func positive(_ t: Term) -> Bool { Positivity.positive(t, known: known) }
    func nonNegative(_ t: Term, under names: [String] = []) -> Bool { Positivity.nonNegative(t, known: known.filter { $0.value.isDisjoint(with: names) }) }
    switch t.node {
    case let .constant(q): return q.signum >= 0
    case .bracket: return true
    // Not `step`: its value at 0 is unspecified (Docs/Semantics.md).
    case let .apply(f, _): return [.exp, .sigmoid, .relu].contains(f)
    case let .power(b, q):
      // A natural power is a product; any other is specified only for a positive base (or a nonzero
      // one with an integer exponent), so `0 ^ q` and `b ^ -2` are unknown here.
      if q.isInteger, q.signum >= 0 {
        if let n = Int(exactly: q.numerator), n % 2 == 0 { return true }
        return nonNegative(b)
      }
      return positive(b)
    case let .mul(fs): return fs.allSatisfy { nonNegative($0) }
    case let .add(ts): return ts.allSatisfy { nonNegative($0) }
    case let .sum(bs, _, body): return nonNegative(body, under: bs)
    case let .reference(d, _): return nonNegative(d.body, under: d.parameters)
    default: return positive(t)
    }
  }

  /// The guard has a point for every value of the free indices: each constraint bounds exactly one
  /// binder, with coefficient ±1, from bounds free of binders, and each binder's range has a length
  /// known to be >= 1.
  static func nonEmpty(_ bs: [String], _ g: Guard) -> Bool {
    let binders = Set(bs)
    for b in bs {
      let on = g.constraints.filter { !$0.expression.indices.isDisjoint(with: [b]) }
      guard on.count == 2, on.allSatisfy({ $0.relation == .nonNegative && $0.expression.indices.intersection(binders) == [b] }),
        Set(on.map { $0.expression.coefficient(of: .index(b)) }) == [1, -1],
        let length = try? on[0].expression.plus(on[1].expression), length.isKnownNonNegative
      else { return false }
    }
    return g.constraints.allSatisfy { !$0.expression.indices.isDisjoint(with: binders) }
  }
}
