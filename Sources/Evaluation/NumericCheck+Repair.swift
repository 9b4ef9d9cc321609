internal import Exact
public import ProofKernel

// Random samples rarely satisfy an equation such as `sum(i: n) t[i] = 1`, or a sign condition on
// every entry of a tensor. These moves make them hold more often. They only change which samples
// are drawn: `trial` checks every hypothesis again, so a move can never produce a counterexample
// that violates one.

extension NumericCheck {
  /// `environment`, with hypotheses that fail there made to hold where a simple move of one tensor
  /// they mention does it, trying the tensors in name order:
  /// - an equation `a = b`: the tensor rescaled (`T := λ T`) or shifted (`T := T + λ`), with `λ`
  ///   solved from exact values of `a - b` at `λ = 0, 1, 2` when these lie on a line (the
  ///   difference is affine in `λ`, as for `sum t = 1`), kept when the equation then holds exactly;
  /// - a positivity condition (`x[k] > 0`, possibly under `forall`): the tensor's entries replaced
  ///   by their magnitudes (0 by 1), kept when the hypothesis then holds.
  /// Other hypotheses (`x[k] != 0`, index ranges) are left to chance: random samples satisfy them
  /// often, and forcing them would bias the samples.
  ///
  /// ```swift
  /// // t = [1, 3] and the hypothesis t[0] + t[1] = 1: t becomes [1/4, 3/4].
  /// ```
  public func satisfyingHypotheses(_ hypotheses: [Proposition], in environment: Environment) -> Environment {
    var lowerings = TrialLowerings()
    return satisfyingHypotheses(hypotheses, in: environment, &lowerings)
  }

  func satisfyingHypotheses(_ hypotheses: [Proposition], in environment: Environment,
                            _ lowerings: inout TrialLowerings) -> Environment {
    var environment = NumericCheck.realValued(environment)
    for h in hypotheses where decide(h, in: environment, &lowerings) != true {
      guard let names = try? Symbols([], formulas: [h]).tensors.keys.sorted() else { continue }
      if case let .equal(a, b) = h {
        for name in names {
          if let moved = solving(a, b, by: name, in: environment, &lowerings) {
            environment = moved
            break
          }
        }
      } else if h.isPositivity {
        for name in names {
          let moved = environment.replacing(name) { $0.isZero ? Rational(1) : $0.magnitude }
          if decide(h, in: moved, &lowerings) == true {
            environment = moved
            break
          }
        }
      }
    }
    return environment
  }

  /// The environment with tensor `name` moved so that `a = b` holds exactly, if a rescaling or a
  /// shift does it.
  private func solving(_ a: Term, _ b: Term, by name: String, in environment: Environment,
                       _ lowerings: inout TrialLowerings) -> Environment? {
    let moves: [(Rational, Rational) -> Rational] = [{ x, λ in x * λ }, { x, λ in x + λ }]
    for move in moves {
      func difference(_ λ: Rational) -> Rational? {
        let moved = environment.replacing(name) { move($0, λ) }
        var evaluator = ExactEvaluator(lowerings.slots(for: moved, keepsDerivatives: false))
        defer { lowerings.keep(evaluator.indices, keepsDerivatives: false) }
        return try? evaluator.value(of: a) - evaluator.value(of: b)
      }
      guard let f0 = difference(Rational(0)), let f1 = difference(Rational(1)), let f2 = difference(Rational(2)) else {
        continue
      }
      let slope = f1 - f0
      guard !slope.isZero, f2 - f1 == slope else { continue }
      let λ = -f0 / slope
      if difference(λ)?.isZero == true { return environment.replacing(name) { move($0, λ) } }
    }
    return nil
  }
}

extension Proposition {
  /// `t > 0`, or such a condition for every point of a guard.
  fileprivate var isPositivity: Bool {
    switch self {
    case .positive: return true
    case let .forAll(_, _, body): return body.isPositivity
    case .equal, .nonZero, .holds: return false
    }
  }
}

extension Environment {
  /// This environment with every entry of the tensor `name` (if it has a value) mapped by `entry`.
  fileprivate func replacing(_ name: String, _ entry: (Rational) -> Rational) -> Environment {
    guard let value = tensors[name], let moved = try? TensorValue(shape: value.shape, values: value.values.map(entry)) else {
      return self
    }
    var copy = self
    copy.tensors[name] = moved
    return copy
  }
}
