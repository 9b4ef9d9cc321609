import Evaluation
import Exact
import Intervals
import ProofKernel
import Testing

@Suite struct DualFunctionTests {
  /// `value + tangent ε` over `S`; a constant when `tangent` is nil.
  func dual<S: RealScalar>(_ value: Rational, _ tangent: Rational?, _: S.Type) -> Dual<S> {
    Dual(S(value, precision: 256), tangent: tangent.map { S($0, precision: 256) })
  }

  func exact(_ f: ScalarFunction, at a: Rational, tangent: Rational? = r(1)) throws -> Dual<Rational> {
    try dual(a, tangent, Rational.self).applying(f, precision: 256)
  }

  // MARK: - Piecewise functions

  @Test func reluAndStepAwayFromZero() throws {
    let up = try exact(.relu, at: r(2), tangent: r(3))
    #expect(up.value == r(2) && up.tangent == r(3))
    let down = try exact(.relu, at: r(-2), tangent: r(3))
    #expect(down.value == r(0) && down.tangent == r(0))
    let on = try exact(.step, at: r(1, 5), tangent: r(3))
    #expect(on.value == r(1) && on.tangent == r(0))
    let off = try exact(.step, at: r(-1, 5), tangent: nil)
    #expect(off.value == r(0) && off.tangent == nil)
  }

  @Test func reluOfAVariableAtZeroIsNotDifferentiable() throws {
    #expect(throws: EvaluationError.undefined("relu is not differentiable at 0")) { try exact(.relu, at: r(0)) }
    // Even along a direction in which it does not move: the Fréchet derivative does not exist.
    #expect(throws: EvaluationError.self) { try exact(.relu, at: r(0), tangent: r(0)) }
    // A constant relu(0) is just 0.
    #expect(try exact(.relu, at: r(0), tangent: nil).value == r(0))
  }

  @Test func stepAtZeroIsUnspecified() {
    #expect(throws: EvaluationError.self) { try exact(.step, at: r(0)) }
    #expect(throws: EvaluationError.self) { try exact(.step, at: r(0), tangent: nil) }
  }

  @Test func piecewiseFunctionsOnAnIntervalContainingZero() throws {
    let straddling = try Interval(lower: r(-1, 100), upper: r(1, 100), precision: 256)
    #expect(throws: EvaluationError.self) { try Dual(straddling, tangent: Interval(1)).applying(.relu, precision: 256) }
    #expect(throws: EvaluationError.self) { try Dual(straddling, tangent: nil).applying(.step, precision: 256) }
    // The value of relu is enclosed all the same.
    let value = try Dual(straddling, tangent: nil).applying(.relu, precision: 256).value
    #expect(value.lower == r(0) && value.contains(r(1, 100)))
  }

  // MARK: - Transcendental functions

  @Test func exactAtTheirRationalPoints() throws {
    let cases: [(ScalarFunction, Rational, Rational, Rational)] = [
      (.exp, r(0), r(1), r(1)), (.log, r(1), r(0), r(1)), (.tanh, r(0), r(0), r(1)),
      (.sigmoid, r(0), r(1, 2), r(1, 4)), (.gelu, r(0), r(0), r(1, 2)),
    ]
    for (f, a, value, slope) in cases {
      let y = try exact(f, at: a, tangent: r(2))
      #expect(y.value == value && y.tangent == slope * r(2), "\(f) at \(a)")
    }
  }

  @Test func notExactElsewhere() throws {
    // erf(0) = 0 is exact, but erf'(0) = 2/√π is not.
    #expect(throws: EvaluationError.self) { try exact(.erf, at: r(0)) }
    #expect(try exact(.erf, at: r(0), tangent: nil).value == r(0))
    for f in [ScalarFunction.exp, .log, .tanh, .sigmoid, .erf, .gelu] {
      #expect(throws: EvaluationError.self) { try exact(f, at: r(1, 2)) }
    }
  }

  @Test func logNeedsAPositiveArgument() {
    #expect(throws: EvaluationError.undefined("log(0): log needs a positive argument")) { try exact(.log, at: r(0)) }
    #expect(throws: EvaluationError.self) { try dual(r(-1), r(1), Interval.self).applying(.log, precision: 256) }
  }

  @Test func erfSlopeAtZeroIsTwoOverRootPi() throws {
    let slope = try dual(r(0), r(1), Interval.self).applying(.erf, precision: 256).tangent!
    #expect((slope.squared() * Interval.pi(precision: 256)).contains(r(4)))
    #expect(slope.width < r(1, 1 << 62))
  }

  /// Every function's derivative against the symmetric difference quotient
  /// `(f(a + h) - f(a - h)) / 2h`, which uses values only: the error is about `f''' h² / 6`.
  @Test func derivativesMatchDifferenceQuotients() throws {
    let h = r(1, 1 << 60)
    let tolerance = r(1, 1 << 50) * r(1, 1 << 50)
    for f in ScalarFunction.allCases {
      for a in [r(-3, 2), r(-1, 3), r(1, 2), r(2)] where f != .log || a.signum > 0 {
        let slope = try dual(a, r(1), Interval.self).applying(f, precision: 256).tangent!
        let above = try dual(a + h, nil, Interval.self).applying(f, precision: 256).value
        let below = try dual(a - h, nil, Interval.self).applying(f, precision: 256).value
        let quotient = (above - below) * (r(1, 2) / h)
        #expect((quotient - slope).magnitude.upper < tolerance, "\(f)'(\(a)): \(slope) against \(quotient)")
      }
    }
  }
}
