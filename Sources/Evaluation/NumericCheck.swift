internal import Exact
internal import Intervals
public import ProofKernel

/// The independent numeric check of a statement `hypotheses ⊢ lhs = rhs` that may contain `grad`,
/// `vjp` and `D`: both sides evaluated at random concrete sizes and random rational points, in
/// forward mode with dual numbers (`DualEvaluator`), exactly where possible and with MPFI
/// enclosures where a value is irrational.
///
/// It evaluates the statement as written: the derivatives come from dual-number arithmetic and the
/// function derivatives of `Dual`, never from the kernel's derivative table or the engine's derived
/// terms, so a wrong table entry or a wrong chain rule shows up as a counterexample.
///
/// Each trial draws an environment with `sampler` (sizes, free indices, tensor entries including
/// the direction and seed tensors, named constants; `pi` is always π), tries to make failing
/// equations among the hypotheses hold by moving one tensor along a line (see
/// `satisfyingHypotheses`), and skips the sample unless every hypothesis is proved true there. Then:
/// - with exact rationals (every value rational), the sides must be equal;
/// - otherwise, with intervals at `precision` bits, the sample is a counterexample only when the two
///   enclosures are disjoint, so a rounding error can never produce one.
/// A sample where a side is undefined (a function evaluated where it is not differentiable, `log`
/// of a non-positive number) is skipped.
///
/// ```swift
/// let outcome = NumericCheck().check(lhs: grad(loss, x, at: "j"), rhs: twoXj)
/// // .passed(trials: 20)
/// ```
///
/// See Docs/Evaluation.md, "Soundness", for what a pass shows.
public struct NumericCheck: Sendable {
  /// Evaluated samples wanted for a pass.
  public var trials: Int
  /// Draws the samples. Its `uninterpretedFunctions` is ignored: functions take their true values.
  public var sampler: EnvironmentSampler
  /// The seed of the SplitMix64 generator the samples are drawn with.
  public var seed: UInt64
  /// Bits of the interval enclosures.
  public var precision: Int
  /// Draws allowed per wanted trial before giving up: samples whose hypotheses fail, or where a side
  /// is undefined, do not count.
  public var drawsPerTrial: Int = 10

  /// A check with `trials` samples, dimensions drawn from `sizes`, free indices from
  /// `0 ... sizes.upperBound - 1` (so sometimes outside a smaller axis, where zero extension is
  /// tested), tensor entries `n/d` with `n` in `-5...5` and `d` in `1...4`.
  public init(trials: Int = 20, sizes: ClosedRange<Int> = 1...3, seed: UInt64 = 0, precision: Int = 256) {
    precondition(trials >= 1, "a check needs at least one trial")
    self.trials = trials
    self.sampler = EnvironmentSampler(
      dimensions: sizes, indices: 0...max(0, sizes.upperBound - 1), uninterpretedFunctions: false)
    self.seed = seed
    self.precision = precision
  }

  /// Checks `lhs = rhs` under `hypotheses` on random samples.
  ///
  /// - Returns: `.counterexample` at the first sample where the sides certainly differ;
  ///   `.passed(trials:)` with the number of samples evaluated (`trials`, or fewer when the draws
  ///   ran out first); `.inconclusive` when no sample could be evaluated, or the statement cannot be
  ///   evaluated at all (a tensor with two shapes, a derivative inside a derivative).
  public func check(lhs: Term, rhs: Term, hypotheses: [Proposition] = []) -> Outcome {
    let symbols: Symbols
    do { symbols = try Symbols([lhs, rhs], formulas: hypotheses) } catch {
      return .inconclusive("the statement cannot be sampled: \(error)")
    }
    var generator = SplitMix64(seed: seed)
    var sampler = self.sampler
    sampler.uninterpretedFunctions = false
    var passed = 0, draws = 0
    var lastSkip = ""
    var lowerings = TrialLowerings()
    while passed < trials, draws < trials * max(1, drawsPerTrial) {
      draws += 1
      let environment: Environment
      do { environment = try sampler.environment(for: symbols, using: &generator) } catch {
        lastSkip = "\(error)"  // a shape with a negative extent at these sizes
        continue
      }
      do {
        let satisfying = satisfyingHypotheses(hypotheses, in: environment, &lowerings)
        switch try trial(lhs: lhs, rhs: rhs, hypotheses: hypotheses, in: satisfying, &lowerings) {
        case .agreed: passed += 1
        case let .disagreed(counterexample): return .counterexample(counterexample)
        case let .skipped(reason): lastSkip = reason
        }
      } catch {
        return .inconclusive("the statement cannot be evaluated: \(error)")
      }
    }
    guard passed > 0 else {
      return .inconclusive("no sample could be evaluated in \(draws) draws; the last: \(lastSkip)")
    }
    return .passed(trials: passed)
  }

  /// Compares both sides in one environment (drawn, or made by hand).
  ///
  /// The environment's `pi`, if any, is ignored (π is π), and functions take their true values.
  /// - Throws: an `EvaluationError` that is not about this sample: a missing value, a shape
  ///   mismatch, an unsupported former.
  public func trial(lhs: Term, rhs: Term, hypotheses: [Proposition] = [], in environment: Environment) throws -> Trial {
    var lowerings = TrialLowerings()
    return try trial(lhs: lhs, rhs: rhs, hypotheses: hypotheses, in: environment, &lowerings)
  }

  func trial(lhs: Term, rhs: Term, hypotheses: [Proposition], in environment: Environment,
             _ lowerings: inout TrialLowerings) throws -> Trial {
    let environment = NumericCheck.realValued(environment)
    for h in hypotheses {
      switch decide(h, in: environment, &lowerings) {
      case true?: continue
      case false?: return .skipped("the hypothesis \(h) is false")
      case nil: return .skipped("the hypothesis \(h) cannot be decided")
      }
    }
    var exact = DualEvaluator<Rational>(lowerings.slots(for: environment, keepsDerivatives: true), precision: precision)
    do {
      let a = try exact.value(of: lhs), b = try exact.value(of: rhs)
      lowerings.keep(exact.indices, keepsDerivatives: true)
      let sides = (Value.exact(a), Value.exact(b))
      return a == b ? .agreed(lhs: sides.0, rhs: sides.1)
        : .disagreed(Counterexample(environment: environment, lhs: sides.0, rhs: sides.1))
    } catch EvaluationError.notExact {
      // some value is irrational: enclose it
    } catch let EvaluationError.undefined(why) {
      lowerings.keep(exact.indices, keepsDerivatives: true)
      return .skipped("undefined: \(why)")
    }
    // The same lowering: the terms are lowered once for both scalar types.
    var enclosing = DualEvaluator<Interval>(exact.indices, precision: precision)
    defer { lowerings.keep(enclosing.indices, keepsDerivatives: true) }
    do {
      let a = try enclosing.value(of: lhs), b = try enclosing.value(of: rhs)
      let sides = (Value.enclosure(a), Value.enclosure(b))
      return a.isDisjoint(from: b) ? .disagreed(Counterexample(environment: environment, lhs: sides.0, rhs: sides.1))
        : .agreed(lhs: sides.0, rhs: sides.1)
    } catch let EvaluationError.undefined(why) {
      return .skipped("undefined: \(why)")
    }
  }

  /// The environment with functions at their true values and without a value for `pi` (which is π),
  /// so that the exact evaluator, deciding hypotheses, cannot read a sampled stand-in.
  static func realValued(_ environment: Environment) -> Environment {
    var environment = environment
    environment.uninterpretedFunctions = false
    environment.named["pi"] = nil
    return environment
  }

  /// Whether a hypothesis is proved true (`true`), proved false, or neither (`nil`): exact
  /// evaluation first, then dual numbers (for `D` and `vjp`), then intervals for irrational values.
  func decide(_ h: Proposition, in environment: Environment, _ lowerings: inout TrialLowerings) -> Bool? {
    var exact = ExactEvaluator(lowerings.slots(for: environment, keepsDerivatives: false))
    defer { lowerings.keep(exact.indices, keepsDerivatives: false) }
    do { return try exact.holds(h) } catch EvaluationError.undefined { return nil } catch {}
    var dual = DualEvaluator<Rational>(lowerings.slots(for: environment, keepsDerivatives: true), precision: precision)
    do {
      let decided = try dual.decide(h)
      lowerings.keep(dual.indices, keepsDerivatives: true)
      return decided
    } catch EvaluationError.notExact {} catch { return nil }
    var enclosing = DualEvaluator<Interval>(dual.indices, precision: precision)
    defer { lowerings.keep(enclosing.indices, keepsDerivatives: true) }
    return (try? enclosing.decide(h)) ?? nil
  }
}

extension NumericCheck {
  /// Checks a theorem the kernel built (a replayed certificate): `check(lhs:rhs:hypotheses:)` on
  /// its parts. A counterexample here means the kernel accepted a false theorem.
  public func check(_ theorem: Theorem) -> Outcome {
    check(lhs: theorem.lhs, rhs: theorem.rhs, hypotheses: theorem.hypotheses)
  }
}
