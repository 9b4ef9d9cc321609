internal import Exact
internal import ProofKernel

extension Normalizer {
  /// Tidies each monomial (deltas, counts, shapes, canonical order), merges like monomials, sorts
  /// them, and rewrites the subterm at `root` to the result.
  mutating func finish(_ chain: inout Chain, at root: [Int], _ ms: [Monomial]) throws -> [Monomial] {
    var tidied: [Monomial] = []
    for (k, m) in ms.enumerated() {
      tidied += try tidy(&chain, at: ms.count == 1 ? root : root + [k], m)
    }
    return try merge(&chain, at: root, tidied)
  }

  /// Merges like monomials of `tidied` (each in its final form), sorts them, and rewrites the
  /// subterm at `root`, which `ring` shows equal to their sum, to the result.
  func merge(_ chain: inout Chain, at root: [Int], _ tidied: [Monomial]) throws -> [Monomial] {
    var merged: [(key: String, monomial: Monomial)] = []
    var index: [String: Int] = [:]
    for m in tidied where !m.isZero {
      let key = try m.mergeKey()
      if let k = index[key] {
        merged[k].monomial.coefficient = merged[k].monomial.coefficient + m.coefficient
      } else {
        index[key] = merged.count
        merged.append((key, m))
      }
    }
    let result = merged.filter { !$0.monomial.coefficient.isZero }.sorted { $0.key < $1.key }.map(\.monomial)
    try chain.ring(at: root, to: result.term())
    return result
  }

  /// The normal form at the root again after a rewrite inside monomial `k` of `ms` (the root's
  /// normal form before it): that monomial normalized in place, then all merged and sorted. The
  /// others are in normal form already; normalizing the whole side again repeats their steps.
  mutating func normalize(_ chain: inout Chain, _ ms: [Monomial], changedAt k: Int) throws -> [Monomial] {
    guard ms.count > 1 else { return try normalize(&chain, at: []) }
    let part = try normalize(&chain, at: [k])
    return try merge(&chain, at: [], Array(ms[..<k]) + part + Array(ms[(k + 1)...]))
  }

  /// The normal form again after rewrites inside the monomials `changed` of `ms` (the normal form at
  /// `root`): only those expanded and tidied again, then all merged and sorted.
  mutating func refinish(_ chain: inout Chain, at root: [Int], _ ms: [Monomial], _ changed: Set<Int>) throws -> [Monomial] {
    guard ms.count > 1 else { return try finish(&chain, at: root, try expand(&chain, at: root)) }
    var all: [Monomial] = []
    for (k, m) in ms.enumerated() {
      all += changed.contains(k) ? try finish(&chain, at: root + [k], try expand(&chain, at: root + [k])) : [m]
    }
    return try merge(&chain, at: root, all)
  }

  /// The normal form of the monomial at `p` after a change of its bound indices (`straighten`):
  /// only its function arguments normalized again (each once, `normalizeArgument`) and the monomial
  /// tidied, without the expansion's `ring` steps over it, when its factors are accesses, named
  /// constants and function applications; otherwise `normalize`.
  mutating func retidy(_ chain: inout Chain, at p: [Int]) throws -> [Monomial] {
    // As in `normalize`: the steps in a chain without the derivative's conditions, joined by `trans`.
    guard chain.theorem.hypotheses.isEmpty else {
      var plain = try chain.builder.start(chain.current)
      let result = try retidy(&plain, at: p)
      chain = Chain(builder: chain.builder, step: try chain.builder.apply(.trans(chain.step, plain.step)))
      return result
    }
    let t = try chain.subterm(at: p)
    guard let m = try readMonomial(t), try m.term() == t, m.factors.allSatisfy({ f in
      switch f.atom.node { case .access, .named, .apply: return true; default: return false }
    }) else { return try normalize(&chain, at: p) }
    for k in m.factors.indices where m.factors[k].atom.node.isApply {
      try normalizeArgument(&chain, at: p + factorPath(m, k) + (m.factors[k].exponent != 1 ? [0, 0] : [0]))
    }
    guard let read = try readMonomial(chain.subterm(at: p)) else { return try normalize(&chain, at: p) }
    return try finish(&chain, at: p, [read])
  }

  /// One monomial at `p` in its final form, but for the order of its factors (and a zero not yet
  /// dropped), which the caller's `ring` puts right; a count may split it into several.
  private mutating func tidy(_ chain: inout Chain, at p: [Int], _ start: Monomial) throws -> [Monomial] {
    var m = start
    try chain.ring(at: p, to: m.term())
    while !m.binders.isEmpty {
      if let b = m.binders.first(where: { b in
        m.guardTerm.constraints.contains { $0.relation == .equal && $0.expression.coefficient(of: .index(b)).magnitude == 1 }
      }) {
        try chain.apply(.deltaElim(b), at: p + m.sumPath)
        guard let next = try readMonomial(chain.subterm(at: p)) else { throw NormalizationError.unsupported("after delta elimination") }
        m = next
        try chain.ring(at: p, to: m.term())
        continue
      }
      if let b = countable(m), (try? chain.apply(.sumCount(b), at: p + m.sumPath)) != nil {
        let parts = try expand(&chain, at: p)
        var out: [Monomial] = []
        for (k, part) in parts.enumerated() { out += try tidy(&chain, at: parts.count == 1 ? p : p + [k], part) }
        try chain.ring(at: p, to: out.term())
        return out
      }
      break
    }
    if m.binders.isEmpty { try desaturate(&chain, at: p, &m) } else { try saturate(&chain, at: p, &m) }
    if m.binders.count > 1 {
      let order = try canonicalOrder(m)
      if order != m.binders {
        try chain.apply(.sumSwap(order), at: p + m.sumPath)
        m.binders = order
      }
    }
    if m.factors.count > 1 { m.factors = try Normalizer.sortedFactors(m, m.binders).map(\.factor) }
    // The factors are put in this order by the `ring` that follows every `tidy` (`merge`'s, or the
    // count's above), which compares a sum's body as a product in any order: a `ring` here too
    // had the kernel read each monomial twice more (a tenth of the text a model's `ring` steps read).
    return m.isZero ? [] : [m]
  }

  /// A bound index that occurs in no factor and in exactly a lower and an upper bound.
  private func countable(_ m: Monomial) -> String? {
    // The guard first: reading the factors' indices walks every factor, and most binders fail here.
    let bounded = m.binders.filter { b in
      let on = m.guardTerm.constraints.filter { $0.expression.coefficient(of: .index(b)) != 0 }
      return on.count == 2 && on.allSatisfy { $0.relation == .nonNegative && $0.expression.coefficient(of: .index(b)).magnitude == 1 }
    }
    guard !bounded.isEmpty else { return nil }
    let inFactors = m.factors.reduce(into: Set<String>()) { $0.formUnion($1.atom.freeIndices) }
    return bounded.first { !inFactors.contains($0) }
  }

  /// Makes the shape of every accessed tensor explicit in the guard (`zero-ext`), so that guards
  /// that differ only by what zero extension already implies become equal.
  private func saturate(_ chain: inout Chain, at p: [Int], _ m: inout Monomial) throws {
    var joined = m.guardTerm
    for (k, f) in m.factors.enumerated() {
      guard case let .access(x, idx) = f.atom.node else { continue }
      // One conjunction per factor (it canonicalizes the guard, the costly part).
      let extended = try joined.and(try x.shapeGuard(idx))
      guard extended != joined else { continue }
      // Replacing one factor by [shape] * factor leaves the paths of the others as they were.
      try chain.apply(.zeroExt, at: p + factorPath(m, k) + (f.exponent != 1 ? [0] : []))
      joined = extended
    }
    guard joined != m.guardTerm else { return }
    m.guardTerm = joined
    try chain.ring(at: p, to: m.term())
  }

  /// Without bound indices, the opposite of `saturate`: constraints on free indices that only
  /// restate the shape of an accessed tensor are dropped (`x[i]`, not `[0 <= i < n] * x[i]`), so
  /// arguments of functions and read-off rules stay as written. Proved backwards: from the target,
  /// `zero-ext` gives back the brackets, and `ring` the current term.
  private func desaturate(_ chain: inout Chain, at p: [Int], _ m: inout Monomial) throws {
    guard !m.guardTerm.constraints.isEmpty else { return }
    var restated = Set<Constraint>()
    var extended: [Int] = []
    for (k, f) in m.factors.enumerated() {
      guard case let .access(x, idx) = f.atom.node, let shape = try? x.shapeGuard(idx),
            !shape.constraints.isEmpty, Set(shape.constraints).isSubset(of: m.guardTerm.constraints) else { continue }
      restated.formUnion(shape.constraints)
      extended.append(k)
    }
    guard !restated.isEmpty else { return }
    var target = m
    target.guardTerm = try Guard(m.guardTerm.constraints.filter { !restated.contains($0) })
    var side = try chain.builder.start(try target.term())
    for k in extended {
      try side.apply(.zeroExt, at: factorPath(target, k) + (target.factors[k].exponent != 1 ? [0] : []))
    }
    guard (try? side.apply(.ring(try chain.subterm(at: p)), at: [])) != nil else { return }
    try chain.rewrite(at: p, by: try chain.builder.apply(.sym(side.step)))
    m = target
  }

  /// The path from a monomial's term to its `k`-th factor.
  private func factorPath(_ m: Monomial, _ k: Int) -> [Int] {
    if !m.binders.isEmpty { return m.sumPath + m.factorPath(k) }
    let before = m.prefix.count + (m.guardTerm.constraints.isEmpty ? 0 : 1)
    return before + m.factors.count == 1 ? [] : [before + k]
  }
}
