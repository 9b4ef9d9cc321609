internal import Exact
internal import ProofKernel

extension Prover {
  /// Uses the equations among the assumptions: wherever a monomial of the normal form at the root
  /// of `chain` contains, as a group of bound indices of its own, the normal form of an assumption's
  /// left side `A` (a single sum), the sum is split off (`sum-swap`, `sum-split`, `sum-prenex`
  /// backwards), replaced by the right side (`assume`), and the whole is normalized again.
  /// Then the equations stated for every index (`useQuantifiedHypotheses`). Returns the new
  /// monomials (unchanged when nothing applies).
  static func useHypotheses(_ chain: inout Chain, _ ms: [Monomial], _ statement: Statement, _ normalizer: inout Normalizer) throws -> [Monomial] {
    var current = ms
    for case let .equal(a, b) in statement.assumptions {
      // The assumption's left side in normal form: one sum with coefficient 1.
      var side = try chain.builder.start(a)
      let nf = try normalizer.normalize(&side, at: [])
      guard nf.count == 1, nf[0].coefficient == Rational(1), nf[0].dimensions.isEmpty, !nf[0].binders.isEmpty else { continue }
      let key = try nf[0].sumPart().key
      let hypothesis = try chain.builder.apply(.assume(.equal(a, b), instance: []))
      let rewrite = try chain.builder.apply(.trans(try chain.builder.apply(.sym(side.step)), hypothesis))  // {A = B} ⊢ NF(A) = B
      var rounds = 0
      while rounds < 8, let (k, m, part) = try firstMatch(current, key) {
        rounds += 1
        let p = current.count == 1 ? [] : [k]
        let product = try splitOff(&chain, at: p, m, part)
        try chain.rewrite(at: product.map { $0 + [1] } ?? p + m.sumPath, by: rewrite)
        current = try normalizer.normalize(&chain, current, changedAt: k)
      }
    }
    return try useQuantifiedHypotheses(&chain, current, statement, &normalizer)
  }

  private static func firstMatch(_ ms: [Monomial], _ key: String) throws -> (Int, Monomial, Monomial)? {
    for (k, m) in ms.enumerated() {
      for (_, (sum, _)) in try Diagnosis.components(m) where sum.key == key {
        guard let part = try readMonomial(sum) else { continue }
        return (k, m, part)
      }
      if !m.binders.isEmpty, m.factors.count > 0, try m.sumPart().key == key { return (k, m, m) }
    }
    return nil
  }

  /// Rewrites the monomial `m` at `p` so that `part` (a group of its bound indices with their
  /// factors and constraints) is a sum of its own: `prefix * sum(rest) (rest factors * sum(part))`,
  /// or `prefix * (rest factors * sum(part))` when `part` has all the bound indices and the rest
  /// factors mention none. Returns the path of `rest factors * sum(part)`, nil when the whole
  /// monomial is the sum.
  @discardableResult
  static func splitOff(_ chain: inout Chain, at p: [Int], _ m: Monomial, _ part: Monomial) throws -> [Int]? {
    let outer = m.binders.filter { !part.binders.contains($0) }
    let restFactors = m.factors.filter { f in !part.factors.contains { $0.atom.sameKey(as: f.atom) } }
    guard !outer.isEmpty || !restFactors.isEmpty else { return nil }  // the whole monomial is the sum
    var s = p + m.sumPath
    if !outer.isEmpty {
      try chain.apply(.sumSwap(outer + part.binders), at: s)
      try chain.apply(.sumSplit(outer.count), at: s)
    } else if try factorFreeConstraints(&chain, at: s) {
      s += [1]
    }
    // The inner sum's body as (rest factors) * (part factors), then the rest pulled out of it.
    let restTerm = Term.mul(restFactors.map { $0.exponent == 1 ? $0.atom : .power($0.atom, Rational($0.exponent)) })
    let inner = outer.isEmpty ? s : s + [0]
    try chain.ring(at: inner + [0], to: .mul([restTerm, .mul(part.factorTerms)]))
    guard case let .sum(cs, g, _) = try chain.subterm(at: inner).node else { return nil }
    let pulledOut = Term.mul([restTerm, try .sum(cs, g, .mul(part.factorTerms))])
    var side = try chain.builder.start(pulledOut)
    try side.apply(.sumPrenex(factor: 1), at: [])
    try chain.rewrite(at: inner, by: try chain.builder.apply(.sym(side.step)))
    return inner
  }
}

extension Prover {
  /// `sum(b)[R and C] s = [C] * sum(b)[R] s` at `path`, where `C` are the constraints that mention
  /// none of the sum's own indices (the range of a class label `c`, brought in by a delta): the sum
  /// split off is then the one its part describes. By `sum-prenex` and `sum-guard` read backwards.
  /// Returns whether it did (the sum is then at `path + [1]`).
  static func factorFreeConstraints(_ chain: inout Chain, at path: [Int]) throws -> Bool {
    guard case let .sum(bs, g, body) = try chain.subterm(at: path).node else { return false }
    let own = Set(bs)
    let free = g.constraints.filter { $0.expression.indices.isDisjoint(with: own) }
    guard !free.isEmpty else { return false }
    let range = try Guard(g.constraints.filter { !$0.expression.indices.isDisjoint(with: own) })
    // [C] * sum(b)[R] s  =  sum(b)[R] ([C] * s)  =  sum(b)[R and C] (s)  =  sum(b)[R and C] s
    var side = try chain.builder.start(.mul([.bracket(try Guard(free)), try .sum(bs, range, body)]))
    try side.apply(.sumPrenex(factor: 1), at: [])
    try side.apply(.sumGuard, at: [])
    try side.ring(at: [0], to: body)
    guard case let .sum(_, merged, _) = side.current.node, merged == g else { return false }
    try chain.rewrite(at: path, by: try chain.builder.apply(.sym(side.step)))
    return true
  }

  /// Meets a power with its base where the base is a sum written out among a monomial's bound
  /// indices: `sum(k, l) a[k] * S^-1 * exp(z[l])` with `S = sum(l: n) exp(z[l])` has the group `l`
  /// split off as a sum of its own (as `useHypotheses` does), and `S^-1 * S` merged by `pow-merge`
  /// (its condition, `S != 0`, recorded), then the whole normalized again. Returns the new monomials.
  static func meetPowers(_ chain: inout Chain, _ ms: [Monomial], _ normalizer: inout Normalizer) throws -> [Monomial] {
    guard normalizer.foldsPowers else { return ms }
    var current = ms
    for _ in 0..<8 {
      guard let (k, m, part, base) = try firstPowerOfComponent(current) else { break }
      let p = current.count == 1 ? [] : [k]
      // The inner body is (rest factors) * sum(part): flatten it, then put S^q beside sum(part).
      let body = try splitOff(&chain, at: p, m, part) ?? p + m.sumPath
      guard case let .mul(pair) = try chain.subterm(at: body).node, pair.count == 2, case let .mul(rest) = pair[0].node else { break }
      guard let j = rest.firstIndex(where: { if case let .power(b, _) = $0.node { b.sameKey(as: base) } else { false } }) else { break }
      let others = rest.indices.filter { $0 != j }.map { rest[$0] }
      try chain.ring(at: body, to: .mul([.mul([rest[j], pair[1]])] + others))
      try chain.apply(.powMerge, at: others.isEmpty ? body : body + [0])
      current = try normalizer.normalize(&chain, current, changedAt: k)
    }
    return current
  }

  /// The first monomial with a group of bound indices whose sum is the base of one of its powers.
  private static func firstPowerOfComponent(_ ms: [Monomial]) throws -> (Int, Monomial, Monomial, Term)? {
    for (k, m) in ms.enumerated() {
      // Only a base that is a sum can be a component's sum (and finding the components costs).
      let bases = m.factors.compactMap { f -> Term? in
        if case let .power(b, q) = f.atom.node, !(q.isInteger && q.signum >= 0), case .sum = b.node { b } else { nil }
      }
      guard !bases.isEmpty else { continue }
      // In key order: a dictionary's order changes from run to run, and the proof must not.
      for (_, (sum, _)) in try Diagnosis.components(m).sorted(by: { $0.key < $1.key }) {
        guard let base = bases.first(where: { $0.sameKey(as: sum) }), let part = try readMonomial(sum) else { continue }
        return (k, m, part, base)
      }
    }
    return nil
  }
}
