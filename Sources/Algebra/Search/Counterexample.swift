public import Exact
internal import Evaluation
public import ProofKernel

/// Concrete sizes and exact values at which the two sides of a failed proof differ.
public struct Counterexample: Sendable, CustomStringConvertible {
  public var dimensions: [String: Int]
  public var indices: [String: Int]
  /// Tensor entries, row-major, by name.
  public var tensors: [String: [Rational]]
  public var named: [String: Rational]
  public var lhs: Rational
  public var rhs: Rational
  /// True when some function had to take arbitrary (consistent) values: the sides differ as
  /// polynomials in those function values, which may still be equal for the true functions.
  public var usesUninterpretedFunctions: Bool

  public var description: String {
    var parts: [String] = []
    if !dimensions.isEmpty { parts.append(dimensions.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")) }
    if !indices.isEmpty { parts.append(indices.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")) }
    for (name, values) in tensors.sorted(by: { $0.key < $1.key }) {
      parts.append("\(name) = [\(values.map(\.description).joined(separator: ", "))]")
    }
    for (name, value) in named.sorted(by: { $0.key < $1.key }) { parts.append("\(name) = \(value)") }
    var s = parts.joined(separator: "; ") + "; left side = \(lhs), right side = \(rhs)"
    if usesUninterpretedFunctions { s += " (functions given arbitrary consistent values)" }
    return s
  }

  /// Searches small sizes and random rational points where `lhs` and `rhs` differ while every
  /// formula of `hypotheses` holds. Exact functions first; uninterpreted ones when a
  /// transcendental value is needed.
  public static func search(_ lhs: Term, _ rhs: Term, hypotheses: [Formula], trials: Int = 200) -> Counterexample? {
    for uninterpreted in [false, true] {
      var sampler = EnvironmentSampler(dimensions: 1...3, indices: 0...2)
      sampler.uninterpretedFunctions = uninterpreted
      var needsFunctions = false
      for seed in 0..<UInt64(trials) {
        guard let env = try? sampler.environment(for: [lhs, rhs], formulas: hypotheses, seed: seed) else { continue }
        var evaluator = ExactEvaluator(env)
        do {
          guard try hypotheses.allSatisfy({ try evaluator.holds($0) }) else { continue }
          let a = try evaluator.value(of: lhs), b = try evaluator.value(of: rhs)
          if a != b {
            return Counterexample(dimensions: env.dimensions, indices: env.indices, tensors: env.tensors.mapValues(\.values),
                                  named: env.named, lhs: a, rhs: b, usesUninterpretedFunctions: uninterpreted)
          }
        } catch EvaluationError.notExact {
          needsFunctions = true
        } catch {
          continue
        }
      }
      if !needsFunctions { return nil }
    }
    return nil
  }
}
