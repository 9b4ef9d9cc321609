/// The lowerings of one numeric check's samples, by the sizes they were made for: sizes are drawn
/// from a small range, so most samples meet sizes seen before, and their terms are lowered once
/// (lowering every sample again made `certify check` a quarter slower than evaluating the terms
/// directly did).
///
/// The exact evaluator refuses `D` and `vjp` and the dual evaluators keep them, so each kind has
/// lowerings of its own.
struct TrialLowerings {
  private struct Key: Hashable {
    let dimensions: [String: Int]
    let keepsDerivatives: Bool
  }

  private var kept: [Key: SlotValues] = [:]

  /// Slots for `environment`: a kept lowering at its sizes, or a new one.
  func slots(for environment: Environment, keepsDerivatives: Bool) -> SlotValues {
    if let known = kept[Key(dimensions: environment.dimensions, keepsDerivatives: keepsDerivatives)] {
      return known.rebound(to: environment)
    }
    return SlotValues(environment, keepsDerivatives: keepsDerivatives)
  }

  /// Keeps what an evaluator lowered, for the next sample at its sizes.
  mutating func keep(_ slots: SlotValues, keepsDerivatives: Bool) {
    kept[Key(dimensions: slots.environment.dimensions, keepsDerivatives: keepsDerivatives)] = slots
  }
}
