// The kernel's small positivity check: the only way, besides a stated assumption, to discharge a
// sign condition. It answers "unknown" (false) whenever it is unsure.

enum Positivity {
  /// Known > 0 for every value of the variables.
  static func positive(_ t: Term) -> Bool {
    switch t.node {
    case let .constant(q): return q.signum > 0
    case .dimension: return true
    case let .named(n): return n == "pi"
    case let .apply(f, _): return f == .exp || f == .sigmoid
    case let .power(b, _): return positive(b)
    case let .mul(fs): return fs.allSatisfy(positive)
    case let .add(ts): return ts.allSatisfy(nonNegative) && ts.contains(where: positive)
    case let .sum(bs, g, body): return positive(body) && nonEmpty(bs, g)
    case let .reference(d, _): return positive(d.body)
    default: return false
    }
  }

  /// Known >= 0 for every value of the variables.
  static func nonNegative(_ t: Term) -> Bool {
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
    case let .mul(fs): return fs.allSatisfy(nonNegative)
    case let .add(ts): return ts.allSatisfy(nonNegative)
    case let .sum(_, _, body): return nonNegative(body)
    case let .reference(d, _): return nonNegative(d.body)
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
