import Evaluation
import ProofKernel

extension FormulaCompiler {
  /// A counter of where the hypothesis `f` fails on the current batch: for each point of its
  /// `forall` binders, the examples where `t != 0` (`t > 0`) does not hold; `rows` at once for a
  /// failing index constraint. This is how a formula layer counts its kinks: the inputs where the
  /// certified rule's side condition (`x[k] != 0` for relu, `x[k] > 0` for log) is not met and the
  /// trainer's gradient is a convention rather than the certified formula.
  ///
  /// - Throws: `FormulaRefusal` for an equation (which floating point cannot decide) or a term the
  ///   evaluator does not run.
  mutating func check(_ f: Proposition, _ env: [String: Int]) throws -> () -> Int {
    let m = machine
    switch f {
    case let .nonZero(t):
      return try count(t, env) { $0 != 0 }
    case let .positive(t):
      return try count(t, env) { $0 > 0 }
    case let .holds(g):
      let constraints: [LoweredConstraint]
      do { constraints = try lowering.constraints(g, env) } catch { throw FormulaRefusal(error) }
      let indices = m.indices
      return {
        for c in constraints where !c.holds(indices.values) { return m.rows }
        return 0
      }
    case let .forAll(binders, g, body):
      let planned: (LoweredLoop, [String: Int])?
      do { planned = try lowering.loop(binders, g, env) } catch { throw FormulaRefusal(error) }
      guard let (lowered, inner) = planned else { return { 0 } }  // a false guard: no points
      let loop = IndexLoop(lowered, indices: m.indices)
      let bodyCount = try check(body, inner)
      return {
        var total = 0
        loop.forEach { total += bodyCount() }
        return total
      }
    case .equal:
      throw FormulaRefusal("the assumption \(f) is an equation, which the trainer cannot check in floating point")
    }
  }

  /// The examples where `holds(t)` is false (NaN fails every condition).
  private mutating func count(_ t: Term, _ env: [String: Int], _ holds: @escaping (S) -> Bool) throws -> () -> Int {
    let m = machine
    switch try compile(t, env) {
    case let .scalar(s):
      return { holds(s()) ? 0 : m.rows }
    case let .vector(v):
      return {
        guard let p = v() else { return holds(0) ? 0 : m.rows }
        var failures = 0
        for b in 0..<m.rows where !holds(p[b]) { failures += 1 }
        return failures
      }
    }
  }
}
