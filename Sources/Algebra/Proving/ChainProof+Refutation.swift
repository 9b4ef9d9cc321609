internal import ProofKernel

extension ChainProof {
  /// Why the composed gradient (step `matched`, `Γ ⊢ SD(y; x := dx) = M`, proved by the kernel)
  /// is not the statement's `target` (`sum(i) dx[i] * g(i)`): a point where every hypothesis of
  /// `Γ` and of the statement holds and `M` and `target` certainly differ (evaluated with the true
  /// functions), so the gradient is not `g` there and the statement is false: a mis-wired model
  /// is refused here, naming its gradient, without normalizing the whole network first (which
  /// takes minutes for a transformer). Nil when no such point is found: then the comparison's own
  /// failure stands, and the prover falls back as before.
  func refutation(of matched: Int, against target: Term) -> ProofFailure? {
    guard shared.refutes else { return nil }
    let proved = builder.theorem(matched)
    guard let stated = try? statement.hypotheses,
      let found = Counterexample.search(proved.rhs, target, hypotheses: proved.hypotheses + stated, trials: 20, satisfying: true)
    else { return nil }
    return .different(lhs: proved.rhs.description, rhs: target.description, counterexample: found, missing: nil)
  }
}
