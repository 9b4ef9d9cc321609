internal import Exact
internal import ProofKernel

extension Prover {
  /// The identities between functions the engine tries when two normal forms differ, in two
  /// tiers: first those without a condition (a function written through another one), then those
  /// that add one (`log-mul` needs its factors positive, `step-relu` and `step-neg` a nonzero
  /// argument), so a condition is asked for only when the first tier did not close the proof.
  enum IdentityTier: CaseIterable {
    case definitions, conditional

    /// The rule to apply at `t`, if any.
    func rule(at t: Term) -> Rewrite? {
      switch (self, t.node) {
      case (.definitions, .apply(.sigmoid, _)): return .sigmoidExp
      case (.definitions, .apply(.tanh, _)): return .tanhSigmoid
      case (.definitions, .apply(.gelu, _)): return .geluErf
      case (.definitions, let .apply(.log, a)):
        if case .apply(.exp, _) = a.node { return .logExp }
        return nil
      case (.definitions, let .apply(.exp, a)):
        // `exp(z - m) = exp(z) * exp(-m)`: a shift cancels against its own power (stable softmax).
        if case .add = a.node { return .expAdd }
        return nil
      case (.conditional, let .apply(.log, a)):
        switch a.node {
        case .mul: return .logMul
        case .power: return .logPow
        case .apply(.exp, _): return .logExp
        default: return nil
        }
      case (.conditional, let .apply(.step, a)):
        if case .apply(.relu, _) = a.node { return .stepRelu }
        return IdentityTier.leadsNegative(a) ? .stepNeg : nil
      default: return nil
      }
    }

    /// Whether a normalized argument starts with a negative coefficient (`-a + b`), so that
    /// `step(-a + b)` is written `1 - step(a - b)`: one of each pair `step(s)`, `step(-s)` is kept.
    static func leadsNegative(_ a: Term) -> Bool {
      switch a.node {
      case let .constant(c): return c.signum < 0
      case let .mul(fs): if case let .constant(c) = fs.first?.node { return c.signum < 0 } else { return false }
      case let .add(ts): return ts.first.map(leadsNegative) ?? false
      default: return false
      }
    }
  }

  /// Applies the tier's identities in the chain's current term until none applies (each at most
  /// `identityLimit` times), and renormalizes; nil when none applied.
  static func applyIdentities(_ chain: inout Chain, _ tier: IdentityTier, _ normalizer: inout Normalizer) throws -> [Monomial]? {
    var applied = 0
    for _ in 0..<identityLimit {
      guard let path = Normalizer.firstPath(in: chain.current, where: { tier.rule(at: $0) != nil }),
            let rule = tier.rule(at: try chain.subterm(at: path)) else { break }
      try chain.apply(rule, at: path)
      applied += 1
      // A `step-neg` argument is read in normal form: normalize before looking for the next one.
      if case .stepNeg = rule { _ = try normalizer.normalize(&chain, at: []) }
    }
    // Then, on arguments in normal form, `exp(-a)` is written `exp(a)^-1` and `exp(2 * a)`
    // `exp(a)^2` (both derived from kernel rules, Prover+ExpNeg.swift).
    let isExpForm: (Term) -> Bool = { isNegativeExp($0) || expMultiple($0) != nil }
    if tier == .definitions, Normalizer.firstPath(in: chain.current, where: isExpForm) != nil {
      if applied > 0 { _ = try normalizer.normalize(&chain, at: []) }
      for _ in 0..<identityLimit {
        guard let path = Normalizer.firstPath(in: chain.current, where: isExpForm) else { break }
        if isNegativeExp(try chain.subterm(at: path)) { try rewriteNegativeExp(&chain, at: path) } else { try rewriteExpMultiple(&chain, at: path) }
        applied += 1
      }
    }
    return applied == 0 ? nil : try meetPowers(&chain, try normalizer.normalize(&chain, at: []), &normalizer)
  }

  /// Rewrites by identities allowed in one proof.
  static let identityLimit = 256
}
