public import ProofKernel

/// Several statements proved in one derivation (a model certificate's gradients): what one proof
/// establishes on the way, another reuses (Docs/Engine.md, "One derivation per model").
public struct JointOutcome: Sendable {
  /// The steps every conclusion rests on, pruned of the rest.
  public var steps: [Step]
  /// Per statement, in order: the step that proves it, and the theorem.
  public var conclusions: [(step: Int, theorem: Theorem)]
}

extension Prover {
  /// Proves `statements` in one derivation: by the chain rule with the layers' identities and the
  /// recognised cotangents shared between them (`ChainProof.Shared`), or, for a statement that is
  /// not a composition or whose chain proof fails, alone as `prove` does, its steps then replayed
  /// into the shared derivation.
  /// - Returns: the outcome, or the first statement not proved (its index) and why.
  public static func proveJointly(_ statements: [Statement]) -> Result<JointOutcome, JointFailure> {
    let shared = ChainProof.Shared()
    shared.refutes = true
    var conclusions: [(step: Int, theorem: Theorem)] = []
    for (k, statement) in statements.enumerated() {
      do {
        if let proved = try ChainProof.attempt(statement, sharing: shared) {
          conclusions.append((proved.step, proved.theorem))
          continue
        }
      } catch let failure as ProofFailure {
        // Refuted by the chain rule's own result (a counterexample): no fallback can prove it.
        if case .different(_, _, .some, _) = failure { return .failure(JointFailure(index: k, failure: failure)) }
      } catch {}
      let alone = prove(statement)
      guard let theorem = alone.theorem, alone.failure == nil else {
        return .failure(JointFailure(index: k, failure: alone.failure ?? .kernel("not proved")))
      }
      do {
        let base = shared.builder.derivation.steps.count
        for step in alone.steps { try shared.builder.apply(step.renumbered { $0 + base }) }
        conclusions.append((shared.builder.derivation.steps.count - 1, theorem))
      } catch {
        return .failure(JointFailure(index: k, failure: .kernel("its steps do not replay in the joint derivation: \(error)")))
      }
    }
    let (steps, number) = StepPruning.pruned(shared.builder.derivation.steps, keeping: conclusions.map(\.step))
    return .success(JointOutcome(steps: steps, conclusions: conclusions.map { (number[$0.step], $0.theorem) }))
  }
}

/// The statement of a joint proof that was not proved, and why.
public struct JointFailure: Error, Sendable {
  public var index: Int
  public var failure: ProofFailure
}
