internal import Exact
internal import ProofKernel

/// Why normalization stopped.
public enum NormalizationError: Error, CustomStringConvertible, Equatable {
  /// A construct the engine does not handle (named), rather than a wrong proof.
  case unsupported(String)
  /// The expansion would have more monomials than `Normalizer.monomialLimit`.
  case tooLarge(Int)

  public var description: String {
    switch self {
    case let .unsupported(what): return "unsupported: \(what)"
    case let .tooLarge(n): return "the expansion has more than \(n) monomials"
    }
  }
}

/// Rewrites a term to its normal form through kernel steps (Docs/Engine.md, "Normal form" and
/// "Strategy"): derivatives computed, definitions unfolded, bound indices renamed apart, products and sums
/// expanded into monomials with one prenex sum each, deltas eliminated, constant sums counted,
/// accesses' shapes made explicit in the guards, bound indices put in canonical order, like
/// monomials merged, and the monomials sorted.
struct Normalizer {
  static let monomialLimit = 20_000

  /// Index names in use anywhere in the proof; fresh names avoid them.
  var used: Set<String>
  var counter = 0
  /// Whether a power of a power is folded by `pow-pow` (`(s^-1)^2` to `s^-2`), which records the
  /// rule's condition (`s != 0`, or `s > 0` for a fractional exponent) as a hypothesis.
  var foldsPowers: Bool
  /// The base of a non-natural power as written, by the key of its normal form: a fold's
  /// condition is stated on it (`var + eps > 0`, which positivity sees) rather than on the
  /// expansion (`(1/n) sum x^2 - (1/n^2) sum sum x x + eps > 0`, which it cannot).
  var writtenBases: [String: Term] = [:]
  /// Whether definitions are unfolded; when not, a reference is an atom (the chain strategy compares
  /// one layer's terms with the next layer's definitions kept folded, Docs/Engine.md).
  var unfoldsDefinitions = true

  init(avoiding names: Set<String>, foldsPowers: Bool = true) {
    used = names
    self.foldsPowers = foldsPowers
  }

  /// The names `fresh` gave out: bound indices with these names need no renaming apart.
  var given = Set<String>()

  mutating func fresh() -> String {
    while true {
      counter += 1
      let name = "k\(counter)"
      if used.insert(name).inserted {
        given.insert(name)
        return name
      }
    }
  }

  /// Normal forms of function arguments already proved in this derivation, by the argument as
  /// written: the derivative of a nested `max` repeats each `relu` argument many times, and each is
  /// normalized once, in a chain of its own, and put in place by `cong` wherever it occurs.
  /// (`Normalizer+Arguments.swift`; the builder is held so that its identifier stays its own.)
  var argumentProofs: [ArgumentKey: (builder: ProofBuilder, step: Int)] = [:]
  /// Likewise the bases of negative and fractional powers, by their key (`normalizeBase`).
  var baseProofs: [BaseKey: (builder: ProofBuilder, step: Int, monomials: [Monomial])] = [:]

  /// What one normalizer leaves to the next in the same derivation (`ChainProof.normalizer()`):
  /// the names `fresh` gave out, and the argument and base proofs. Each is valid in any
  /// normalizer that avoids the names given out before it (the proofs are the builder's steps,
  /// and their bound names are such names).
  struct Memo {
    var given = Set<String>()
    var argumentProofs: [ArgumentKey: (builder: ProofBuilder, step: Int)] = [:]
    var baseProofs: [BaseKey: (builder: ProofBuilder, step: Int, monomials: [Monomial])] = [:]
  }

  /// Moves `memo` into this normalizer (left empty; `handOver` moves it back).
  mutating func takeOver(_ memo: inout Memo) {
    swap(&given, &memo.given)
    swap(&argumentProofs, &memo.argumentProofs)
    swap(&baseProofs, &memo.baseProofs)
  }

  /// Moves what this normalizer holds (its own and what it took over) into `memo`.
  mutating func handOver(_ memo: inout Memo) { takeOver(&memo) }

  /// Normalizes the subterm at `root` of the chain's current term, and returns its monomials.
  ///
  /// The derivative rules record their conditions (`a != 0` for every `relu(a)`) as hypotheses, and
  /// the kernel orders a theorem's hypotheses again at every step; so after `jvp` the rest of the
  /// normalization runs in a chain without them, from the current term, joined to this one by one
  /// `trans` at the end.
  mutating func normalize(_ chain: inout Chain, at root: [Int]) throws -> [Monomial] {
    try rewriteAll(&chain, root, rule: .jvp) { if case .derivative = $0.node { return true } else { return false } }
    if unfoldsDefinitions {
      try rewriteAll(&chain, root, rule: .unfold) { if case .reference = $0.node { return true } else { return false } }
    }
    guard !chain.theorem.hypotheses.isEmpty else { return try normalizeUnfolded(&chain, at: root) }
    var plain = try chain.builder.start(chain.current)
    let result = try normalizeUnfolded(&plain, at: root)
    chain = Chain(builder: chain.builder, step: try chain.builder.apply(.trans(chain.step, plain.step)))
    return result
  }

  /// `normalize` after derivatives and definitions are gone.
  private mutating func normalizeUnfolded(_ chain: inout Chain, at root: [Int]) throws -> [Monomial] {
    try renameApart(&chain, root)
    let expanded = try expand(&chain, at: root)
    let result = try finish(&chain, at: root, expanded)
    // A product of equal non-natural powers (`S^-1 * S^-1`, from `y[i] * y[j]` in softmax) is laid
    // out as `(S^-1)^2`: fold it to `S^-2`, the form the derivative rules give, and normalize again.
    let isPowerOfPower: (Term) -> Bool = { t in if case let .power(b, _) = t.node, case .power = b.node { true } else { false } }
    guard foldsPowers else { return result }
    var folded = result
    if Normalizer.firstPath(in: try chain.subterm(at: root), where: isPowerOfPower) != nil {
      var changed = Set<Int>()
      while let p = Normalizer.firstPath(in: try chain.subterm(at: root), where: isPowerOfPower) {
        try restoreWrittenBases(&chain, at: root + p)
        try chain.apply(.powPow, at: root + p)
        changed.insert(p.first ?? 0)
      }
      folded = try refinish(&chain, at: root, folded, changed)
    }
    // Powers of one base in one product (`exp(z) * exp(z)^-1`, `S * S^-1`) merged by `pow-merge`,
    // one pair at a time, normalizing again after each.
    for _ in 0..<Normalizer.mergeLimit {
      guard let (path, j, k) = Normalizer.samePowers(in: try chain.subterm(at: root)) else { break }
      let at = root + path
      guard case let .mul(fs) = try chain.subterm(at: at).node else { break }
      let others = fs.indices.filter { $0 != j && $0 != k }.map { fs[$0] }
      try chain.ring(at: at, to: .mul([.mul([fs[j], fs[k]])] + others))
      try restoreWrittenBases(&chain, at: others.isEmpty ? at : at + [0])
      try chain.apply(.powMerge, at: others.isEmpty ? at : at + [0])
      folded = try refinish(&chain, at: root, folded, [path.first ?? 0])
    }
    return folded
  }


  /// Merges of powers of one base allowed in one normalization: each removes a factor.
  static let mergeLimit = 64

  /// The first product (path) with two factors `j < k` that are powers of the same base, one of
  /// them with an exponent that is not natural (natural powers of one atom are already one factor).
  static func samePowers(in t: Term) -> ([Int], Int, Int)? {
    func split(_ f: Term) -> (Term, Rational) { if case let .power(b, q) = f.node { (b, q) } else { (f, Rational(1)) } }
    if case let .mul(fs) = t.node {
      let parts = fs.map(split)
      for j in fs.indices {
        guard !parts[j].0.node.isConstantOrDimension else { continue }
        // The exponents first: comparing bases prints them, and two natural powers never merge here.
        let jNatural = parts[j].1.isInteger && parts[j].1.signum >= 0
        for k in fs.indices where k > j {
          let b = parts[k].1
          if jNatural && b.isInteger && b.signum >= 0 { continue }
          if parts[k].0.sameKey(as: parts[j].0) { return ([], j, k) }
        }
      }
    }
    for (c, child) in t.children.enumerated() {
      if let (p, j, k) = samePowers(in: child) { return ([c] + p, j, k) }
    }
    return nil
  }

  // MARK: - Written bases

  /// Rewrites every power base below `path` whose normal form came from a written base back to that
  /// base (proved by normalizing the written base again, in a chain of its own), so that the power
  /// rule applied next records its condition on the written form.
  mutating func restoreWrittenBases(_ chain: inout Chain, at path: [Int]) throws {
    guard !writtenBases.isEmpty else { return }
    var paths: [([Int], Term)] = []
    func collect(_ t: Term, _ p: [Int]) {
      if case let .power(b, _) = t.node, let written = writtenBases[b.key] { paths.append((p + [0], written)); return }
      for (k, c) in t.children.enumerated() { collect(c, p + [k]) }
    }
    collect(try chain.subterm(at: path), path)
    for (p, written) in paths {
      var side = try chain.builder.start(written)
      _ = try normalize(&side, at: [])
      guard side.current.sameKey(as: try chain.subterm(at: p)) else { continue }
      try chain.rewrite(at: p, by: try chain.builder.apply(.sym(side.step)))
    }
  }

  static func hasDerivative(_ t: Term) -> Bool {
    if case .derivative = t.node { return true }
    return t.children.contains(where: hasDerivative)
  }

  // MARK: - Preparation

  /// Applies `rule` at the first matching position, outermost first, until none is left.
  private func rewriteAll(_ chain: inout Chain, _ root: [Int], rule: Rewrite, where match: (Term) -> Bool) throws {
    while let p = Normalizer.firstPath(in: try chain.subterm(at: root), where: match) {
      try chain.apply(rule, at: root + p)
    }
  }

  static func firstPath(in t: Term, where match: (Term) -> Bool) -> [Int]? {
    if match(t) { return [] }
    for (k, c) in t.children.enumerated() {
      if let p = firstPath(in: c, where: match) { return [k] + p }
    }
    return nil
  }

  /// Gives the bound indices below `root` fresh names, so no later step can capture one. A bound
  /// name that is already apart keeps it: bound once, not free, and given out by `fresh` (never a
  /// name of the statement, which reading a VJP off gives to free indices). A side normalized
  /// again after a local rewrite is mostly such, and so is the sum a `vjp`'s right side is read
  /// under, around the statement's own sums (renaming costs a substitution in the whole sum per
  /// bound index: the kernel's `change-of-variables`). The sums inside an atom (a function's
  /// argument, the base of a power that is not multiplied out) are left: an atom is normalized in
  /// a chain of its own, renamed apart there, and what it binds never leaves it. Its normal form is
  /// put in place wherever it occurs, so a term holds many copies of the same bound names: batch
  /// norm's `(var + eps)^(-1/2)` had each of its copies renamed at every normalization that held it.
  private mutating func renameApart(_ chain: inout Chain, _ root: [Int]) throws {
    var paths: [[Int]] = [], seen = Set<String>(), clashing = Set<String>()
    func collect(_ t: Term, _ p: [Int]) {
      switch t.node {
      case .apply: return
      case let .power(base, q) where !Normalizer.multipliesOut(base, q): return
      case let .sum(bs, _, _):
        paths.append(p)
        for b in bs where !seen.insert(b).inserted || !given.contains(b) { clashing.insert(b) }
      default: break
      }
      for (k, c) in t.children.enumerated() { collect(c, p + [k]) }
    }
    let t = try chain.subterm(at: root)
    collect(t, root)
    guard !seen.isEmpty else { return }
    clashing.formUnion(seen.intersection(t.freeIndices))
    guard !clashing.isEmpty else { return }
    for p in paths {
      // Read again: renaming a sum above may have renamed a binder here (the kernel avoids capture).
      guard case let .sum(bs, _, _) = try chain.subterm(at: p).node else { continue }
      for b in bs where clashing.contains(b) || !given.contains(b) {
        try chain.apply(.changeOfVariables(b, to: fresh(), sign: 1, offset: .constant(0)), at: p)
      }
    }
  }

  mutating func renameBinders(_ chain: inout Chain, at p: [Int]) throws {
    guard case let .sum(bs, _, _) = try chain.subterm(at: p).node else { return }
    for b in bs { try chain.apply(.changeOfVariables(b, to: fresh(), sign: 1, offset: .constant(0)), at: p) }
  }

  // MARK: - Expansion

  /// Rewrites the subterm at `p` to a sum of monomials; afterwards it is exactly `result.term()`.
  /// Not `exact`: only equal to it by `ring`, with every step that is not `ring` done (pulling sums
  /// out, arguments normalized), for a caller that rewrites the enclosing term by `ring` anyway.
  /// One `ring` over a product of sums then does what a `ring` at every node below did before: a
  /// deep derivative (nested `max`) is no longer printed once per level.
  mutating func expand(_ chain: inout Chain, at p: [Int], exact: Bool = true) throws -> [Monomial] {
    let t = try chain.subterm(at: p)
    switch t.node {
    case let .constant(q): return q.isZero ? [] : [Monomial(coefficient: q)]
    case let .dimension(d):
      var m = Monomial()
      m.dimensions[d] = Rational(1)
      return [m]
    case let .bracket(g):
      var m = Monomial()
      m.guardTerm = g
      return [m]
    case .named, .access: return [.atom(t)]
    case .reference where !unfoldsDefinitions: return [.atom(t)]
    case .apply:
      try normalizeArgument(&chain, at: p + [0])
      return [.atom(try chain.subterm(at: p))]
    case let .power(base, q): return try expandPower(&chain, at: p, base: base, q)
    case let .add(ts):
      var all: [Monomial] = []
      for k in ts.indices { all += try expand(&chain, at: p + [k], exact: false) }
      if exact { try chain.ring(at: p, to: all.term()) }
      return all
    case let .mul(ts):
      var children: [[Monomial]] = []
      for k in ts.indices { children.append(try expand(&chain, at: p + [k], exact: false)) }
      return try expandProduct(&chain, at: p, children, exact: exact)
    case let .sum(bs, g, _):
      return try expandSum(&chain, at: p, binders: bs, guard: g, body: try expand(&chain, at: p + [0], exact: false), exact: exact)
    case .reference, .derivative: throw NormalizationError.unsupported("\(t) left after unfolding")
    case .vjp: throw NormalizationError.unsupported("vjp or grad inside an expression: \(t)")
    }
  }

  /// The product of sums of monomials: distributed by `ring`, then each product's sums pulled out
  /// (`sum-prenex`) and merged (`sum-merge`).
  mutating func expandProduct(_ chain: inout Chain, at p: [Int], _ children: [[Monomial]], exact: Bool = true) throws -> [Monomial] {
    var combos: [[Monomial]] = [[]]
    for ms in children {
      combos = combos.flatMap { c in ms.map { c + [$0] } }
      if combos.count > Normalizer.monomialLimit { throw NormalizationError.tooLarge(Normalizer.monomialLimit) }
    }
    // Each product laid out as: plain factors, then the sums.
    var layouts: [Term] = []
    var results: [Monomial] = []
    for combo in combos {
      var plain = Monomial()
      var sums: [Term] = []
      var product = Monomial()
      for m in combo {
        product = try product.times(m)
        var outer = m
        if !m.binders.isEmpty {
          sums.append(try m.sumPart())
          outer.binders = []
          outer.guardTerm = .true
          outer.factors = []
        }
        plain = try plain.times(outer)
      }
      results.append(product)
      layouts.append(.mul(plain.prefix + (plain.guardTerm.constraints.isEmpty ? [] : [.bracket(plain.guardTerm)]) + plain.factorTerms + sums))
    }
    // Without sums to pull out, `ring` alone gives the monomials: left to the caller's.
    if !exact, !combos.contains(where: { $0.contains { !$0.binders.isEmpty } }) { return results.filter { !$0.isZero } }
    try chain.ring(at: p, to: .add(layouts))
    for (k, layout) in layouts.enumerated() {
      let pc = layouts.count == 1 ? p : p + [k]
      guard case let .mul(fs) = layout.node else { continue }  // a lone sum: nothing to pull out
      let sumCount = fs.reversed().prefix { if case .sum = $0.node { return true } else { return false } }.count
      guard sumCount > 0 else { continue }
      var body = pc
      for s in 0..<sumCount {
        try chain.apply(.sumPrenex(factor: fs.count - 1 - s), at: body)
        body.append(0)
      }
      for _ in 1..<sumCount { try chain.apply(.sumMerge, at: pc) }
      results[k].binders = try binders(of: chain.subterm(at: pc))
    }
    let live = results.filter { !$0.isZero }
    if exact { try chain.ring(at: p, to: live.term()) }
    return live
  }

  private func binders(of t: Term) throws -> [String] {
    guard case let .sum(bs, _, _) = t.node else { throw NormalizationError.unsupported("expected a sum after pulling sums out") }
    return bs
  }

  /// `sum(b | G)` of a sum of monomials: distributed by `ring`, inner sums merged.
  private mutating func expandSum(_ chain: inout Chain, at p: [Int], binders bs: [String], guard g: Guard, body: [Monomial],
                                  exact: Bool = true) throws -> [Monomial] {
    // Without inner sums to merge, `ring` alone gives the monomials (it distributes a sum over a
    // sum of terms): left to the caller's.
    let merging = body.contains { !$0.binders.isEmpty }
    if !exact, !merging {
      return try body.map { m in
        var r = m
        r.binders = bs
        r.guardTerm = try g.and(m.guardTerm)
        return r
      }.filter { !$0.isZero }
    }
    let layouts = try body.map { try Term.sum(bs, g, $0.term()) }
    try chain.ring(at: p, to: .add(layouts))
    var results: [Monomial] = []
    for (k, m) in body.enumerated() {
      let pk = body.count == 1 ? p : p + [k]
      var r = m
      r.binders = bs + m.binders
      r.guardTerm = try g.and(m.guardTerm)
      if !m.binders.isEmpty {
        if !m.prefix.isEmpty { try chain.apply(.sumPrenex(factor: m.prefix.count), at: pk + [0]) }
        try chain.apply(.sumMerge, at: pk)
      }
      results.append(r)
    }
    let live = results.filter { !$0.isZero }
    if exact { try chain.ring(at: p, to: live.term()) }
    return live
  }
}

/// Reads a sum of monomials.
func readMonomials(_ t: Term) throws -> [Monomial]? {
  if case let .add(ts) = t.node {
    var all: [Monomial] = []
    for s in ts {
      guard let m = try readMonomial(s) else { return nil }
      all.append(m)
    }
    return all
  }
  if case let .constant(q) = t.node, q.isZero { return [] }
  return try readMonomial(t).map { [$0] }
}

extension Term.Node {
  var isConstantOrDimension: Bool {
    switch self { case .constant, .dimension: return true; default: return false }
  }
}
