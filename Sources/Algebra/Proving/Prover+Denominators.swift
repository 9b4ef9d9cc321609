internal import Exact
internal import ProofKernel

// Common denominators (issue 17): `1 - tanh(x)^2` written through `exp` is
// `4 e B^-1 - 4 e^2 B^-2` with `B = 1 + e`, and the textbook's `4 e B^-2` is the same rational
// function only once both are over `B^-2`. The normal form keeps negative powers of a sum as atoms,
// so the two differ; here every monomial is brought over the highest power of each such base
// (`B^-j = B^-K * B^(K-j)`, the kernel's `pow-merge` read backwards, recording `B != 0`), and the
// natural powers multiplied out by normalizing again, after which equal numerators meet.

extension Prover {
  /// The greatest power of a base over which monomials are brought: `B^-K * B^K` is multiplied
  /// out, so K bounds the growth.
  static let denominatorLimit = 4

  /// Brings both sides over common denominators: first inside the bases of negative powers (so
  /// `(1 - e * B^-1)^-1` becomes `((B - e) * B^-1)^-1 = B`), then at the root, where a base's class
  /// is shared by the two sides. Returns the new monomials, nil when nothing changed.
  ///
  /// With `shared` (a second try, once the first left the forms apart), a monomial without `B`
  /// takes its instance of `B` from either side, and from a monomial whose binders have other
  /// names: `sum(k3 | G) 1` meets `sum(k1 | G) B(k1)^-1 + sum(k2 | G) e(k2) * B(k2)^-1` as
  /// `sum(k3 | G) B(k3)^-1 * B(k3)` once the guards agree after renaming `k1` to `k3`.
  static func commonDenominators(_ left: inout Chain, _ l: [Monomial], _ right: inout Chain, _ r: [Monomial],
                                 _ normalizer: inout Normalizer, shared: Bool = false) throws -> ([Monomial], [Monomial])? {
    guard normalizer.foldsPowers else { return nil }
    var (l1, r1) = (l, r)
    var changed = false
    if !shared {
      if let ms = try denominatorsInsideBases(&left, &normalizer) { l1 = ms; changed = true }
      if let ms = try denominatorsInsideBases(&right, &normalizer) { r1 = ms; changed = true }
    }
    let classes = denominatorClasses(l1).merging(denominatorClasses(r1)) { max($0, $1) }
    if !classes.isEmpty {
      let both = shared ? instances(of: classes, in: l1 + r1) : nil
      if try overDenominators(&left, at: [], l1, classes, closedOnly: false, instances: both ?? instances(of: classes, in: l1), renaming: shared) {
        l1 = try meetPowers(&left, try normalizer.normalize(&left, at: []), &normalizer); changed = true
      }
      if try overDenominators(&right, at: [], r1, classes, closedOnly: false, instances: both ?? instances(of: classes, in: r1), renaming: shared) {
        r1 = try meetPowers(&right, try normalizer.normalize(&right, at: []), &normalizer); changed = true
      }
    }
    return changed ? (l1, r1) : nil
  }

  /// Inside the base of each negative or fractional power whose monomials have denominators of
  /// their own: the base brought over them and the side normalized again (the power of a power
  /// that may result is folded). Nil when no base changed.
  private static func denominatorsInsideBases(_ chain: inout Chain, _ normalizer: inout Normalizer) throws -> [Monomial]? {
    var result: [Monomial]?
    var done = Set<String>()
    // Negative powers of atoms in a base first: `(1 + exp(z)^-1)^-1` is `(exp(z)^-1 * (exp(z) + 1))^-1`.
    for _ in 0..<8 {
      // Also in a log's argument: `log(1 + exp(-z))` is `log(exp(z)^-1 * (exp(z) + 1))`, which
      // `log-mul` then splits.
      guard let path = Normalizer.firstPath(in: chain.current, where: { t in
        let b: Term
        switch t.node {
        case let .power(base, q) where !(q.isInteger && q.signum >= 0): b = base
        case let .apply(.log, argument): b = argument
        default: return false
        }
        guard case .add = b.node, let ms = try? readMonomials(b) else { return false }
        return atomDenominator(ms) != nil
      }) else { break }
      let base = path + [0]
      guard let ms = try readMonomials(try chain.subterm(at: base)), let (a, k) = atomDenominator(ms) else { break }
      let one = try spread(a, from: 0, to: k, chain.builder)
      try chain.ring(at: base, to: .mul([try chain.subterm(at: base), .one]))
      try chain.rewrite(at: base + [1], by: one)
      guard case let .mul(pair) = try chain.subterm(at: base).node, case let .mul(spreadOut) = pair[1].node else { break }
      try chain.ring(at: base, to: .mul([spreadOut[0], .mul([spreadOut[1], pair[0]])]))
      _ = try normalizer.normalize(&chain, at: base + [1])
      // Normalizing the log's argument would multiply the factor back in: split the log first.
      if case .apply(.log, _) = try chain.subterm(at: path).node { try chain.apply(.logMul, at: path) }
      result = try normalizer.normalize(&chain, at: [])
    }
    for _ in 0..<8 {
      guard let path = Normalizer.firstPath(in: chain.current, where: { t in
        guard case let .power(b, q) = t.node, !(q.isInteger && q.signum >= 0), case .add = b.node, !done.contains(b.key) else { return false }
        guard let ms = try? readMonomials(b) else { return false }
        return !denominatorClasses(ms).isEmpty
      }) else { break }
      let base = path + [0]
      let term = try chain.subterm(at: base)
      done.insert(term.key)
      guard let ms = try readMonomials(term) else { break }
      let classes = denominatorClasses(ms)
      guard try overDenominators(&chain, at: base, ms, classes, closedOnly: true, instances: instances(of: classes, in: ms)) else { continue }
      _ = try normalizer.normalize(&chain, at: base)
      result = try normalizer.normalize(&chain, at: [])
    }
    return result
  }

  /// The bases of negative integer powers that are sums of several monomials, by a key with the
  /// monomial's bound indices blanked (so one base summed under different names is one class),
  /// with the greatest power found. Bases standing alone (`S^-1` with `S` one sum) are merged by
  /// `meetPowers` instead.
  static func denominatorClasses(_ ms: [Monomial]) -> [String: Int] {
    var out: [String: Int] = [:]
    for m in ms {
      for f in m.factors where f.exponent == 1 {
        guard let (b, j) = denominator(f.atom), let key = try? classKey(b, m) else { continue }
        out[key] = max(out[key] ?? 0, j)
      }
    }
    return out.filter { $0.value <= denominatorLimit }
  }

  /// An atom `A` (not a sum) with a negative integer power in some monomial and no bound index of
  /// them, with its greatest such power: the base is then `A^-K * (A^K * base)`.
  private static func atomDenominator(_ ms: [Monomial]) -> (Term, Int)? {
    var best: (Term, Int)?
    for m in ms {
      for f in m.factors where f.exponent == 1 {
        guard case let .power(a, q) = f.atom.node, q.isInteger, q.signum < 0, !isAtomSum(a),
              !a.node.isConstantOrDimension, a.freeIndices.isDisjoint(with: ms.flatMap(\.binders)),
              let j = Int(exactly: (Rational(0) - q).numerator), j <= denominatorLimit else { continue }
        if let (b, k) = best, !b.sameKey(as: a) || k >= j { continue }
        best = (a, j)
      }
    }
    return best
  }

  private static func isAtomSum(_ t: Term) -> Bool { if case .add = t.node { true } else { false } }

  /// `(B, j)` for a factor `B^-j` with `B` a sum of several terms and `j` a positive integer.
  private static func denominator(_ t: Term) -> (Term, Int)? {
    guard case let .power(b, q) = t.node, q.isInteger, q.signum < 0, case .add = b.node,
          let j = Int(exactly: (Rational(0) - q).numerator) else { return nil }
    return (b, j)
  }

  private static func classKey(_ b: Term, _ m: Monomial) throws -> String {
    let blank = try Affine.index("cd")
    let bound = b.freeIndices.intersection(m.binders)
    return try b.substituting(Dictionary(uniqueKeysWithValues: bound.map { ($0, blank) })).key
  }

  /// An instance of a class's base: the base as one monomial reads it, with that monomial's bound
  /// indices and guard.
  typealias DenominatorInstance = (base: Term, binders: [String], guardTerm: Guard)

  /// The first instance of each class of `classes` among the monomials `ms`.
  private static func instances(of classes: [String: Int], in ms: [Monomial]) -> [String: DenominatorInstance] {
    var out: [String: DenominatorInstance] = [:]
    for m in ms {
      for f in m.factors where f.exponent == 1 {
        guard let (b, _) = denominator(f.atom), let key = try? classKey(b, m), classes[key] != nil, out[key] == nil else { continue }
        out[key] = (b, m.binders, m.guardTerm)
      }
    }
    return out
  }

  /// Rewrites each monomial of the normal form at `root` so that every base of `classes` has its
  /// class's power: `B^-j` as `B^-K * B^(K-j)`, and a monomial without `B` times `B^-K * B^K`, when
  /// an instance of `B` fits it (no bound index of another monomial; with `closedOnly`, none at
  /// all; with `renaming`, the instance's bound indices renamed to the monomial's where that makes
  /// the guards equal). The natural powers are left for the normalizer. Returns whether anything
  /// changed.
  private static func overDenominators(_ chain: inout Chain, at root: [Int], _ ms: [Monomial], _ classes: [String: Int],
                                       closedOnly: Bool, instances: [String: DenominatorInstance], renaming: Bool = false) throws -> Bool {
    var changed = false
    for (k, m) in ms.enumerated() {
      let p = ms.count == 1 ? root : root + [k]
      var factors = m.factors.map { $0.exponent == 1 ? $0.atom : .power($0.atom, Rational($0.exponent)) }
      var equations: [(position: Int, equation: Int)] = []
      var present = Set<String>()
      for (i, f) in m.factors.enumerated() where f.exponent == 1 {
        guard let (b, j) = denominator(f.atom), let key = try? classKey(b, m), let target = classes[key] else { continue }
        present.insert(key)
        guard j < target else { continue }
        equations.append((i, try spread(b, from: j, to: target, chain.builder)))
      }
      for (key, target) in classes.sorted(by: { $0.key < $1.key }) where !present.contains(key) {
        guard var instance = instances[key] else { continue }
        if renaming, let renamed = try renamed(instance, to: m) { instance = renamed }
        let bound = instance.base.freeIndices.intersection(instance.binders)
        let fits = bound.isEmpty ? !closedOnly || instance.base.freeIndices.isDisjoint(with: m.binders)
          : !closedOnly && bound.isSubset(of: Set(m.binders)) && instance.binders == m.binders && instance.guardTerm == m.guardTerm
        guard fits, instance.base.freeIndices.subtracting(bound).isDisjoint(with: m.binders) else { continue }
        factors.append(.one)
        equations.append((factors.count - 1, try spread(instance.base, from: 0, to: target, chain.builder)))
      }
      guard !equations.isEmpty else { continue }
      // Lay the monomial out with each factor at a known place: prefix * sum(b | G) (f1 * (f2 * ...)).
      let nest = factors.reversed().reduce(Term.one) { inner, f in Term.mul([f, inner]) }
      let layout: Term
      let body: [Int]
      if m.binders.isEmpty {
        layout = Term.mul([.mul(m.prefix + (m.guardTerm.constraints.isEmpty ? [] : [.bracket(m.guardTerm)])), nest])
        body = p + [1]
      } else {
        layout = Term.mul([.mul(m.prefix), try .sum(m.binders, m.guardTerm, nest)])
        body = p + [1, 0]
      }
      try chain.ring(at: p, to: layout)
      for (position, equation) in equations {
        try chain.rewrite(at: body + Array(repeating: 1, count: position) + [0], by: equation)
      }
      changed = true
    }
    return changed
  }

  /// The instance read with the monomial's bound indices: the first renaming of its binders to the
  /// monomial's (as many, at most four) under which the guards are equal. Nil when there is none,
  /// or when an index outside the binders would be captured.
  private static func renamed(_ instance: DenominatorInstance, to m: Monomial) throws -> DenominatorInstance? {
    let n = instance.binders.count
    guard n > 0, n == m.binders.count, n <= 4, instance.binders != m.binders,
          instance.base.freeIndices.subtracting(instance.binders).isDisjoint(with: m.binders) else { return nil }
    for order in permutations(of: m.binders) {
      let map = Dictionary(uniqueKeysWithValues: zip(instance.binders, try order.map { try Affine.index($0) }))
      guard try instance.guardTerm.substituting(map) == m.guardTerm else { continue }
      return (try instance.base.substituting(map), m.binders, m.guardTerm)
    }
    return nil
  }

  /// Every order of `names` (24 at most here).
  private static func permutations(of names: [String]) -> [[String]] {
    guard names.count > 1 else { return [names] }
    return names.indices.flatMap { i in
      permutations(of: Array(names[..<i] + names[(i + 1)...])).map { [names[i]] + $0 }
    }
  }

  /// `⊢ B^-j = B^-K * B^(K-j)` (for `j = 0`, `⊢ 1 = B^-K * B^K`), by `pow-merge` read backwards;
  /// its condition `B != 0` is recorded.
  private static func spread(_ b: Term, from j: Int, to target: Int, _ builder: ProofBuilder) throws -> Int {
    var side = try builder.start(.mul([.power(b, Rational(-target)), .power(b, Rational(target - j))]))
    try side.apply(.powMerge, at: [])
    return try builder.apply(.sym(side.step))
  }
}
