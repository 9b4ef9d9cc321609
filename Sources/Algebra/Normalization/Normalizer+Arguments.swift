internal import ProofKernel

// Function arguments normalized once per derivation (Docs/Engine.md, "Strategy"): max pooling's
// derivative writes the same nested `relu` arguments in every term, and normalizing each in place
// repeated the same steps on the whole term each time.

extension Normalizer {
  /// A function argument as written, with the settings that decide its normal form.
  struct ArgumentKey: Hashable {
    var builder: ObjectIdentifier
    var argument: Term
    var foldsPowers: Bool
    var unfoldsDefinitions: Bool

    /// The argument's first nodes only (`KeyCache.Shallow`): a full hash reads the whole nested
    /// argument at every look-up; `==` decides.
    func hash(into h: inout Hasher) {
      h.combine(builder)
      h.combine(KeyCache.Shallow(term: argument))
      h.combine(foldsPowers)
      h.combine(unfoldsDefinitions)
    }
  }

  /// Normalizes a function's argument at `p`: proved once per argument (`argumentProofs`) and
  /// rewritten in place by `cong`.
  mutating func normalizeArgument(_ chain: inout Chain, at p: [Int]) throws {
    let argument = try chain.subterm(at: p)
    let key = ArgumentKey(builder: ObjectIdentifier(chain.builder), argument: argument, foldsPowers: foldsPowers,
                          unfoldsDefinitions: unfoldsDefinitions)
    let step: Int
    if let known = argumentProofs[key], known.builder === chain.builder {
      step = known.step
    } else {
      var side = try chain.builder.start(argument)
      if try !normalizeFlat(&side) { _ = try normalize(&side, at: []) }
      step = side.step
      argumentProofs[key] = (chain.builder, step)
    }
    if chain.builder.theorem(step).rhs != argument { try chain.rewrite(at: p, by: step) }
  }

  /// A power's base, as written up to the names of its bound indices, with the settings that
  /// decide its normal form.
  struct BaseKey: Hashable {
    var builder: ObjectIdentifier
    var base: String
    var foldsPowers: Bool
    var unfoldsDefinitions: Bool
  }

  /// Normalizes the base of a negative or fractional power at `p`, and returns its monomials:
  /// proved once per base (`baseProofs`) and rewritten in place by `cong`. Layer and batch norm's
  /// `(var + eps) ^ (-1/2)` occurs several times on each side (written with other bound names on
  /// the right), and its base was normalized once per occurrence.
  mutating func normalizeBase(_ chain: inout Chain, at p: [Int]) throws -> [Monomial] {
    let base = try chain.subterm(at: p)
    let key = BaseKey(builder: ObjectIdentifier(chain.builder), base: base.key, foldsPowers: foldsPowers,
                      unfoldsDefinitions: unfoldsDefinitions)
    if let known = baseProofs[key], known.builder === chain.builder {
      if chain.builder.theorem(known.step).rhs != base { try chain.rewrite(at: p, by: known.step) }
      return known.monomials
    }
    var side = try chain.builder.start(base)
    let monomials = try normalize(&side, at: [])
    baseProofs[key] = (chain.builder, side.step, monomials)
    if side.current != base { try chain.rewrite(at: p, by: side.step) }
    return monomials
  }

  /// An argument that is already a sum of monomials without bound indices whose atoms are
  /// accesses, named constants and function applications (max pooling's nested `relu` arguments,
  /// and each argument `straighten` shifted): its inner arguments normalized, then tidied, merged
  /// and sorted (`finish`), without the expansion's `ring` at every node, which would give the same
  /// monomials. False, with nothing done, for anything else.
  private mutating func normalizeFlat(_ side: inout Chain) throws -> Bool {
    guard let written = try readMonomials(side.current), written.allSatisfy({ m in
      m.binders.isEmpty && m.factors.allSatisfy { f in
        switch f.atom.node { case .access, .named, .apply: return true; default: return false }
      }
    }) else { return false }
    var paths: [[Int]] = []
    func collect(_ t: Term, _ path: [Int]) {
      if case .apply = t.node { paths.append(path + [0]); return }
      for (k, c) in t.children.enumerated() { collect(c, path + [k]) }
    }
    collect(side.current, [])
    for path in paths { try normalizeArgument(&side, at: path) }
    guard let ms = try readMonomials(side.current) else { throw NormalizationError.unsupported("re-reading an argument") }
    try side.ring(at: [], to: try ms.term())
    _ = try finish(&side, at: [], ms)
    return true
  }
}
