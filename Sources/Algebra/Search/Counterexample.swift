public import Exact
public import Evaluation
public import ProofKernel

/// Concrete sizes and values at which the two sides of a failed proof certainly differ, evaluated
/// with the real functions: exactly where every value is rational, otherwise as MPFI enclosures that
/// are disjoint (`NumericCheck.trial`). A point where the sides only differ for some arbitrary
/// choice of function values is never reported: the proof is then "not proved", not refuted.
public struct Counterexample: Sendable, CustomStringConvertible {
  public var dimensions: [String: Int]
  public var indices: [String: Int]
  /// Tensor entries, row-major, by name.
  public var tensors: [String: [Rational]]
  public var named: [String: Rational]
  /// The sides' values: exact, or enclosures that do not overlap.
  public var lhs: NumericCheck.Value
  public var rhs: NumericCheck.Value

  public var description: String {
    var parts: [String] = []
    if !dimensions.isEmpty { parts.append(dimensions.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")) }
    if !indices.isEmpty { parts.append(indices.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")) }
    for (name, values) in tensors.sorted(by: { $0.key < $1.key }) {
      parts.append("\(name) = [\(values.map(\.description).joined(separator: ", "))]")
    }
    for (name, value) in named.sorted(by: { $0.key < $1.key }) { parts.append("\(name) = \(value)") }
    return parts.joined(separator: "; ") + "; left side = \(lhs), right side = \(rhs)"
  }

  /// Searches small sizes and random rational points where `lhs` and `rhs` certainly differ while
  /// every formula of `hypotheses` holds, with the true functions.
  /// With `satisfying`, each sample is first moved to meet the equations it can
  /// (`NumericCheck.satisfyingHypotheses`: `sum target = 1` by rescaling `target`), so that few
  /// trials suffice where a random point almost never meets them.
  /// `dimensions` bounds the sizes drawn (a smaller bound first where a trial at size 3 on every
  /// axis is costly: a model's attention over 9 tokens).
  public static func search(_ lhs: Term, _ rhs: Term, hypotheses: [Proposition], trials: Int = 200, satisfying: Bool = false,
                            dimensions: ClosedRange<Int> = 1...3) -> Counterexample? {
    let sampler = EnvironmentSampler(dimensions: dimensions, indices: 0...2, uninterpretedFunctions: false)
    let check = NumericCheck()
    for seed in 0..<UInt64(trials) {
      guard let drawn = try? sampler.environment(for: [lhs, rhs], formulas: hypotheses, seed: seed) else { continue }
      let env = satisfying ? check.satisfyingHypotheses(hypotheses, in: drawn) : drawn
      guard
        case let .disagreed(found)? = try? check.trial(lhs: lhs, rhs: rhs, hypotheses: hypotheses, in: env)
      else { continue }
      let e = found.environment
      return Counterexample(dimensions: e.dimensions, indices: e.indices, tensors: e.tensors.mapValues(\.values),
                            named: e.named, lhs: found.lhs, rhs: found.rhs)
    }
    return nil
  }
}
