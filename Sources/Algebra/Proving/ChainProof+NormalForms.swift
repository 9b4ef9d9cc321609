internal import ProofKernel

extension ChainProof {
  /// `⊢ t = N` from `t` and the monomials of `N`, its normal form with definitions kept folded:
  /// once per model for each term as written (definitions told apart by object, as the kernel's
  /// `ring` does), then the same step again (`Shared.normalForms`). A level's cotangent is
  /// compared with one candidate after another (`cotangentEquation`), and each comparison had
  /// normalized the cotangent again. The written bases the normalization recorded go with it, so
  /// that a power folded later states its condition on them as before. Only in the derivation's
  /// own builder: the steps kept are its steps.
  func normalizing(_ t: Term, _ normalizer: inout Normalizer, in builder: ProofBuilder) throws -> (chain: Chain, monomials: [Monomial]) {
    let key = KeyCache.Shallow(term: t), reuses = shared.reusesNormalForms && builder === self.builder
    if reuses, let known = shared.normalForms[key] {
      shared.normalFormsReused += 1
      normalizer.writtenBases.merge(known.writtenBases) { mine, _ in mine }
      return (Chain(builder: builder, step: known.step), known.monomials)
    }
    var chain = try builder.start(t)
    let before = normalizer.writtenBases
    let monomials = try normalizer.normalize(&chain, at: [])
    if reuses {
      shared.normalForms[key] = (chain.step, monomials, normalizer.writtenBases.filter { before[$0.key] == nil })
    }
    return (chain, monomials)
  }
}
