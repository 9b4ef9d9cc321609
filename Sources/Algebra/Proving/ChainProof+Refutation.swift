internal import ProofKernel
import TermPrinting

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
    guard let stated = try? statement.hypotheses else { return nil }
    // Sizes up to 2 first: a model's statement at size 3 on every axis (an attention over 9 tokens,
    // its softmax written out in the block's output) takes seconds per trial in a debug build.
    let hypotheses = proved.hypotheses + stated
    guard let found = Counterexample.search(proved.rhs, target, hypotheses: hypotheses, trials: 20, satisfying: true, dimensions: 1...2)
      ?? Counterexample.search(proved.rhs, target, hypotheses: hypotheses, trials: 20, satisfying: true)
    else { return nil }
    return .different(lhs: proved.rhs.description, rhs: target.description, counterexample: found, missing: nil)
  }
}
