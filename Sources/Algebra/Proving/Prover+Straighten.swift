internal import Exact
internal import ProofKernel

extension Prover {
  /// Makes every index of the direction tensor `dx` a plain bound index, by a change of variables
  /// in each monomial of the normal form at the chain's root (Docs/Engine.md, "Reading a VJP off"):
  /// for a slot `e = s*b + r` with `s = ±1`, `b := s*h - s*r` turns it into the new index `h`. A
  /// convolution's `dx[c, 2*p + u - P]` becomes `dx[c, h]` with the border `0 <= h - 2*p + P < K` in
  /// the guard. Renormalizes when anything changed; slots with no ±1 coefficient stay as they are.
  /// Among several bound indices that could be moved, one that sits alone in a slot of `keep` (the
  /// seed) is moved last, so the result reads like a transposed convolution, `dy[d, p]` kept plain.
  static func straighten(_ chain: inout Chain, _ ms: [Monomial], along dx: TensorSymbol, keeping keep: TensorSymbol? = nil,
                         _ normalizer: inout Normalizer) throws -> [Monomial] {
    // As in `normalize`: the steps in a chain without the derivative's conditions (the kernel
    // orders a theorem's hypotheses again at every step; max pooling's eight tie conditions made
    // each change of variables cost as much as its substitution), joined by one `trans`.
    guard chain.theorem.hypotheses.isEmpty else {
      var plain = try chain.builder.start(chain.current)
      let started = plain.step
      let result = try straighten(&plain, ms, along: dx, keeping: keep, &normalizer)
      guard plain.step != started else { return result }
      chain = Chain(builder: chain.builder, step: try chain.builder.apply(.trans(chain.step, plain.step)))
      return result
    }
    // Only the monomials that changed are normalized again, each in place; then like monomials
    // are merged and sorted over the whole side by one `ring` (issue 17: normalizing the whole
    // side again was a third of the time of max pooling's proof).
    var parts: [[Monomial]] = [], changedAny = false
    for k in ms.indices {
      let p = ms.count == 1 ? [] : [k]
      var changed = false
      while let m = try readMonomial(chain.subterm(at: p)), !m.binders.isEmpty,
            let (b, s, rest) = bendableSlot(m, dx, keep) {
        let h = normalizer.fresh()
        try chain.apply(.changeOfVariables(b, to: h, sign: s, offset: try rest.scaled(by: -s)), at: p + m.sumPath)
        changed = true
      }
      // Then the seed, with dx's indices left alone: a full correlation written with the flipped
      // kernel, `w[K - 1 - u] * dy[h + u - K + 1]`, becomes `w[h - p] * dy[p]`, the form the
      // derivative gives (sums equal after an index shift meet).
      if let keep {
        while let m = try readMonomial(chain.subterm(at: p)), !m.binders.isEmpty,
              let (b, s, rest) = bendableSlot(m, keep, dx, leavingOthers: true) {
          let h = normalizer.fresh()
          try chain.apply(.changeOfVariables(b, to: h, sign: s, offset: try rest.scaled(by: -s)), at: p + m.sumPath)
          changed = true
        }
      }
      parts.append(changed ? try normalizer.retidy(&chain, at: p) : [ms[k]])
      changedAny = changedAny || changed
    }
    guard changedAny else { return ms }
    return ms.count == 1 ? parts[0] : try normalizer.merge(&chain, at: [], parts.flatMap { $0 })
  }

  /// The first slot of `dx` in `m` that is not a plain bound index but has a bound index `b` with
  /// coefficient `s = ±1` that is not itself a plain slot: `(b, s, slot - s*b)`. One that is a plain
  /// slot of `keep` is taken last, or, with `leavingOthers`, never.
  private static func bendableSlot(_ m: Monomial, _ dx: TensorSymbol, _ keep: TensorSymbol?, leavingOthers: Bool = false) -> (String, Int, Affine)? {
    func plainSlots(of t: TensorSymbol?) -> Set<String> {
      guard let t, let f = m.factors.first(where: { if case let .access(x, _) = $0.atom.node { return x == t } else { return false } }),
            case let .access(_, idx) = f.atom.node else { return [] }
      return Set(idx.compactMap { e -> String? in
        guard e.constant == 0, e.terms.count == 1, e.terms[0].coefficient == 1, case let .index(n) = e.terms[0].variable,
              m.binders.contains(n) else { return nil }
        return n
      })
    }
    guard let f = m.factors.first(where: { if case let .access(t, _) = $0.atom.node { return t == dx } else { return false } }),
          case let .access(_, idx) = f.atom.node else { return nil }
    let plain = plainSlots(of: dx), kept = plainSlots(of: keep)
    for e in idx {
      if e.terms.count == 1, e.constant == 0, e.terms[0].coefficient == 1, case let .index(n) = e.terms[0].variable, plain.contains(n) { continue }
      let candidates = e.terms.compactMap { v, s -> (String, Int)? in
        guard s.magnitude == 1, case let .index(b) = v, m.binders.contains(b), !plain.contains(b) else { return nil }
        return (b, s)
      }
      guard let (b, s) = candidates.first(where: { !kept.contains($0.0) }) ?? (leavingOthers ? nil : candidates.first),
            let rest = try? e.plus(Affine([(.index(b), -s)])) else { continue }
      return (b, s, rest)
    }
    return nil
  }
}
