import Evaluation
import Exact
import Intervals
import ProofKernel
import Testing

/// `value + tangent ε` over `S`; a constant when `tangent` is nil.
private func dual<S: RealScalar>(_ value: Rational, _ tangent: Rational?, _: S.Type = S.self) -> Dual<S> {
  Dual(S(value, precision: 256), tangent: tangent.map { S($0, precision: 256) })
}

/// True when the enclosure or rational `x` is (or contains) `q`.
private func holds<S: RealScalar>(_ x: S, _ q: Rational) -> Bool {
  x.agrees(with: S(q, precision: 256)) != false
}

@Suite struct DualArithmeticTests {
  // MARK: - Ring operations, run once per scalar type

  func ringOperations<S: RealScalar>(_: S.Type) throws {
    let x: Dual<S> = dual(r(3), r(1))
    let one: Dual<S> = .constant(S(r(1), precision: 256))
    let y = x * x + one  // 10 + 6ε
    #expect(holds(y.value, r(10)) && holds(y.tangent!, r(6)))
    let z = (x - one) * r(1, 2)  // 1 + 1/2 ε
    #expect(holds(z.value, r(1)) && holds(z.tangent!, r(1, 2)))
    let w = try dual(r(2), r(1), S.self).inverted()  // 1/2 - 1/4 ε
    #expect(holds(w.value, r(1, 2)) && holds(w.tangent!, r(-1, 4)))
    // Constants stay constants; a variable times a constant is a variable.
    #expect((one + one).tangent == nil && (one * one).tangent == nil)
    #expect((one * x).tangent != nil)
    // 0 * x has derivative 0 along the direction but is still a variable.
    let zero: Dual<S> = .constant(S(r(0), precision: 256))
    #expect((zero * x).tangent.map { holds($0, r(0)) } == true)
    #expect(zero.isKnownZero && (x - x).isKnownZero && !x.isKnownZero)
  }

  @Test func ringOperationsOverRationals() throws { try ringOperations(Rational.self) }
  @Test func ringOperationsOverIntervals() throws { try ringOperations(Interval.self) }

  @Test func inverseOfZeroIsUndefined() {
    #expect(throws: EvaluationError.undefined("1/0")) { try dual(r(0), r(1), Rational.self).inverted() }
    // An enclosure that may be 0 is not invertible either.
    let straddling = Dual(try! Interval(lower: r(-1, 100), upper: r(1, 100)), tangent: nil)
    #expect(throws: EvaluationError.self) { try straddling.inverted() }
  }

  // MARK: - Powers

  @Test func powers() throws {
    // (4 + ε)^(1/2) = 2 + 1/4 ε, exactly; (1/8 + ε)^(-1/3) = 2 - (1/3)(1/8)^(-4/3) ε = 2 - 16/3 ε.
    let root = try dual(r(4), r(1), Rational.self).raised(to: r(1, 2), precision: 256)
    #expect(root.value == r(2) && root.tangent == r(1, 4))
    let cube = try dual(r(1, 8), r(1), Rational.self).raised(to: r(-1, 3), precision: 256)
    #expect(cube.value == r(2) && cube.tangent == r(-16, 3))
    // Integer powers, and x^0 = 1 with derivative 0.
    let square = try dual(r(-3), r(2), Rational.self).raised(to: r(2), precision: 256)
    #expect(square.value == r(9) && square.tangent == r(-12))
    let unit = try dual(r(0), r(5), Rational.self).raised(to: r(0), precision: 256)
    #expect(unit.value == r(1) && unit.tangent == r(0))
    // √2 is irrational: not exact; an interval encloses √2 and 1/(2√2).
    #expect(throws: EvaluationError.self) { try dual(r(2), r(1), Rational.self).raised(to: r(1, 2), precision: 256) }
    let enclosed = try dual(r(2), r(1), Interval.self).raised(to: r(1, 2), precision: 256)
    #expect(enclosed.value.width < r(1, 1 << 62))
    #expect(enclosed.value.squared().contains(r(2)))
    #expect((enclosed.tangent! * enclosed.value).contains(r(1, 2)))
  }

  @Test func powersOutsideTheirDomain() throws {
    // A negative power of 0, and a fractional power of a variable at 0, have no value or derivative.
    #expect(throws: EvaluationError.self) { try dual(r(0), nil, Rational.self).raised(to: r(-1), precision: 256) }
    #expect(throws: EvaluationError.self) { try dual(r(0), r(1), Rational.self).raised(to: r(1, 2), precision: 256) }
    #expect(throws: EvaluationError.self) { try dual(r(-4), nil, Rational.self).raised(to: r(1, 2), precision: 256) }
    // The constant 0^(1/2) is 0.
    #expect(try dual(r(0), nil, Rational.self).raised(to: r(1, 2), precision: 256).value == r(0))
  }
}
