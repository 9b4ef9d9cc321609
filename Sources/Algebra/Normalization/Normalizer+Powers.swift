internal import Exact
internal import ProofKernel

// Powers in the expansion (Docs/Engine.md, "Strategy", step 6): natural powers multiplied out,
// negative and fractional ones atoms over a normalized base.

extension Normalizer {
  /// Whether the sums of `base ^ q`'s base may join the term's when `expandPower` reads it: they do
  /// not when it is an atom, a negative, fractional or large power with its base normalized apart.
  /// A power of a power or of a product is split or folded first, into powers that may be natural.
  static func multipliesOut(_ base: Term, _ q: Rational) -> Bool {
    switch base.node {
    case .power, .mul: return true
    default: return multipliedOutExponent(q) != nil
    }
  }

  /// The exponent of a power `expandPower` multiplies out, a natural number up to 16; nil for one
  /// it keeps as an atom over its base normalized apart.
  static func multipliedOutExponent(_ q: Rational) -> Int? {
    guard q.isInteger, q.signum >= 0, let n = Int(exactly: q.numerator), n <= 16 else { return nil }
    return n
  }

  mutating func expandPower(_ chain: inout Chain, at p: [Int], base: Term, _ q: Rational) throws -> [Monomial] {
    if foldsPowers, case .power = base.node {
      try restoreWrittenBases(&chain, at: p)
      try chain.apply(.powPow, at: p)
      return try expand(&chain, at: p)
    }
    // A non-natural power of a product, `(e * S^-1)^-1`, is split into powers of its factors.
    if foldsPowers, !(q.isInteger && q.signum >= 0), case .mul = base.node {
      try chain.apply(.powMul, at: p)
      return try expand(&chain, at: p)
    }
    if case let .dimension(d) = base.node {
      var m = Monomial()
      m.dimensions[d] = q
      return [m]
    }
    // An integer power of a rational (`2 ^ (-1)`, what `(2 ^ (-1/2)) ^ 2` folds to) is a number:
    // the ring computes it (within its 64-power limit).
    if case let .constant(c) = base.node, !c.isZero, q.isInteger, let n = Int(exactly: q.numerator), n.magnitude <= 64 {
      let value = try c.power(n)
      try chain.ring(at: p, to: .constant(value))
      return value.isZero ? [] : [Monomial(coefficient: value)]
    }
    guard let n = Normalizer.multipliedOutExponent(q) else {
      // A negative or fractional power of a normalized base is an atom.
      let written = try chain.subterm(at: p + [0])
      let inner = try normalizeBase(&chain, at: p + [0])
      // `(sum(k) exp(-m) * exp(z[k]))^-1`: the factors that do not depend on the sum are pulled
      // out of it and the power split (`pow-mul`), so they meet their own powers.
      if foldsPowers, inner.count == 1, try pullOutConstantFactors(&chain, at: p + [0], inner[0]) {
        try chain.apply(.powMul, at: p)
        return try expand(&chain, at: p)
      }
      let key = try chain.subterm(at: p + [0]).key
      if writtenBases[key] == nil, written.key != key, !Normalizer.hasDerivative(written) { writtenBases[key] = written }
      if inner.isEmpty { throw NormalizationError.unsupported("a negative or fractional power of 0") }
      return [.atom(try chain.subterm(at: p))]
    }
    if n == 0 {
      try chain.ring(at: p, to: .one)
      return [Monomial()]
    }
    let inner = try expand(&chain, at: p + [0])
    if inner.count == 1, inner[0].binders.isEmpty {  // a power of one plain monomial
      var m = Monomial()
      for _ in 0..<n { m = try m.times(inner[0]) }
      try chain.ring(at: p, to: m.term())
      return [m]
    }
    // Otherwise multiply out n copies, each with bound indices of its own.
    let copy = try chain.subterm(at: p + [0])
    try chain.ring(at: p, to: .mul(Array(repeating: copy, count: n)))
    var children = [inner]
    for k in 1..<n {
      var paths: [[Int]] = []
      func collect(_ t: Term, _ path: [Int]) {
        if case .sum = t.node { paths.append(path) }
        for (j, c) in t.children.enumerated() { collect(c, path + [j]) }
      }
      collect(copy, p + [k])
      for path in paths { try renameBinders(&chain, at: path) }
      guard let ms = try readMonomials(try chain.subterm(at: p + [k])) else {
        throw NormalizationError.unsupported("re-reading a renamed power")
      }
      children.append(ms)
    }
    return try expandProduct(&chain, at: p, children)
  }

  /// Rewrites the one-monomial sum at `p`, `prefix * sum(b | G) o * i`, to
  /// `prefix * (o * sum(b | G) i)` where the factors `o` mention no bound index (`sum-prenex`
  /// read backwards). False, with nothing done, when there is no such factor.
  func pullOutConstantFactors(_ chain: inout Chain, at p: [Int], _ m: Monomial) throws -> Bool {
    guard !m.binders.isEmpty else { return false }
    let terms = m.factorTerms
    let outer = m.factors.indices.filter { m.factors[$0].atom.freeIndices.isDisjoint(with: m.binders) }
    guard !outer.isEmpty, outer.count < terms.count else { return false }
    let outerTerm = Term.mul(outer.map { terms[$0] })
    let innerTerm = Term.mul(terms.indices.filter { !outer.contains($0) }.map { terms[$0] })
    let s = p + m.sumPath
    try chain.ring(at: s + [0], to: .mul([outerTerm, innerTerm]))
    var side = try chain.builder.start(.mul([outerTerm, try .sum(m.binders, m.guardTerm, innerTerm)]))
    try side.apply(.sumPrenex(factor: 1), at: [])
    try chain.rewrite(at: s, by: try chain.builder.apply(.sym(side.step)))
    return true
  }
}
