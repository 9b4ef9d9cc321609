import Exact
import Intervals
import PropertyBased
import Testing

/// An interval operation of two arguments with its exact rational counterpart.
struct IntervalOperation<Right: Sendable>: Sendable, CustomTestStringConvertible {
  let name: String
  /// True when the right operand must not contain 0 (division).
  var rightAvoidsZero = false
  /// Rounding errors allowed at each endpoint: 1 for one correctly rounded operation, 0 if exact.
  var roundings = 1
  let interval: @Sendable (Interval, Right) -> Interval
  let exact: @Sendable (Rational, Rational) -> Rational

  var testDescription: String { name }
}

@Suite("Interval arithmetic")
struct IntervalArithmeticTests {
  // MARK: - Sweeps against exact rational arithmetic

  static let binary: [IntervalOperation<Interval>] = [
    .init(name: "+", interval: { $0 + $1 }, exact: { $0 + $1 }),
    .init(name: "-", interval: { $0 - $1 }, exact: { $0 - $1 }),
    .init(name: "*", interval: { $0 * $1 }, exact: { $0 * $1 }),
    .init(name: "/", rightAvoidsZero: true, interval: { $0 / $1 }, exact: { $0 / $1 }),
    .init(
      name: "dividing(by:)", rightAvoidsZero: true, interval: { try! $0.dividing(by: $1) },
      exact: { $0 / $1 }),
    .init(name: "maximum", roundings: 0, interval: { .maximum($0, $1) }, exact: { max($0, $1) }),
    .init(name: "minimum", roundings: 0, interval: { .minimum($0, $1) }, exact: { min($0, $1) }),
  ]

  /// Random points of the operands map into the result, and the result is the exact hull of the
  /// endpoint combinations (every operation here is monotone in each argument on each sign
  /// region, so extremes are at endpoints) widened by at most one rounding.
  @Test(arguments: binary)
  func binaryOperationEnclosesAndIsTight(_ operation: IntervalOperation<Interval>) async {
    await propertyCheck(
      count: 150, input: IntervalSamples.any, IntervalSamples.any, IntervalSamples.weight,
      IntervalSamples.weight
    ) { a, sample, s, t in
      let b = operation.rightAvoidsZero ? sample.awayFromZero : sample
      let x = a.interval
      let y = b.interval
      let result = operation.interval(x, y)
      #expect(result.precision == max(a.precision, b.precision))
      #expect(
        result.contains(operation.exact(a.point(s), b.point(t))), "\(a) \(operation.name) \(b)")
      let corners = [
        operation.exact(x.lower, y.lower), operation.exact(x.lower, y.upper),
        operation.exact(x.upper, y.lower), operation.exact(x.upper, y.upper),
      ]
      expectTight(result, low: corners.min()!, high: corners.max()!, roundings: operation.roundings)
    }
  }

  static let scalar: [IntervalOperation<Rational>] = [
    .init(name: "x + r", interval: { $0 + $1 }, exact: { $0 + $1 }),
    .init(name: "r + x", interval: { $1 + $0 }, exact: { $1 + $0 }),
    .init(name: "x - r", interval: { $0 - $1 }, exact: { $0 - $1 }),
    .init(name: "r - x", interval: { $1 - $0 }, exact: { $1 - $0 }),
    .init(name: "x * r", interval: { $0 * $1 }, exact: { $0 * $1 }),
    .init(name: "r * x", interval: { $1 * $0 }, exact: { $1 * $0 }),
    .init(name: "x / r", interval: { $0 / $1 }, exact: { $0 / $1 }),
    // MPFI rounds r to the interval's precision before dividing: two roundings.
    .init(
      name: "r / x", rightAvoidsZero: true, roundings: 2, interval: { $1 / $0 }, exact: { $1 / $0 }),
  ]

  /// Interval–rational forms round once (twice for `r / x`), at the interval's precision.
  @Test(arguments: scalar)
  func scalarOperationEnclosesAndIsTight(_ operation: IntervalOperation<Rational>) async {
    // For "r / x" the interval is the divisor; the scalar is never 0, so "x / r" is defined.
    let scalar = IntervalSamples.fraction.map { $0.isZero ? Rational(7, 3) : $0 }
    await propertyCheck(count: 150, input: IntervalSamples.any, scalar, IntervalSamples.weight) {
      sample, r, t in
      let a = operation.rightAvoidsZero ? sample.awayFromZero : sample
      let x = a.interval
      let result = operation.interval(x, r)
      #expect(result.precision == a.precision)
      #expect(
        result.contains(operation.exact(a.point(t), r)), "\(operation.name) on \(a), r = \(r)")
      let ends = [operation.exact(x.lower, r), operation.exact(x.upper, r)]
      expectTight(result, low: ends.min()!, high: ends.max()!, roundings: operation.roundings)
    }
  }

  @Test func negationIsExact() async {
    await propertyCheck(count: 100, input: IntervalSamples.any) { a in
      let x = a.interval
      #expect((-x).lower == -x.upper && (-x).upper == -x.lower)
    }
  }

  @Test func reluAndMagnitudeAreExact() async {
    await propertyCheck(count: 150, input: IntervalSamples.any, IntervalSamples.weight) { a, t in
      let x = a.interval
      let relu = Interval.relu(x)
      #expect(relu.lower == max(0, x.lower) && relu.upper == max(0, x.upper))
      #expect(relu.contains(max(0, a.point(t))))
      let magnitude = x.magnitude
      let straddles = x.lower < 0 && x.upper > 0
      #expect(magnitude.lower == (straddles ? 0 : min(x.lower.magnitude, x.upper.magnitude)))
      #expect(magnitude.upper == max(x.lower.magnitude, x.upper.magnitude))
      #expect(magnitude.contains(a.point(t).magnitude))
    }
  }

  /// `power(n)` for n in 0...7: contains the powers of random points; even powers of intervals
  /// straddling 0 start exactly at 0; endpoints are one rounding from the exact hull.
  @Test func powersEncloseAndEvenPowersStartAtZero() async throws {
    await propertyCheck(
      count: 200, input: IntervalSamples.any, Gen.int(in: 0...7), IntervalSamples.weight
    ) {
      a, n, t in
      let x = a.interval
      let result = try x.power(n)
      #expect(result.contains(a.point(t).power(UInt(n))), "\(a) ^ \(n)")
      var values = [x.lower.power(UInt(n)), x.upper.power(UInt(n))]
      let straddles = x.lower < 0 && x.upper > 0
      if straddles && n > 0 { values.append(0) }
      expectTight(result, low: values.min()!, high: values.max()!)
      if straddles && n % 2 == 0 && n > 0 { #expect(result.lower == 0) }
      if n == 2 {
        let squared = x.squared()
        #expect(squared.lower == result.lower && squared.upper == result.upper)
      }
    }
  }

  @Test func negativePowersOfNonzeroIntervals() async throws {
    await propertyCheck(
      count: 150, input: IntervalSamples.nonzero, Gen.int(in: -5 ... -1), IntervalSamples.weight
    ) {
      a, n, t in
      let x = a.interval
      let result = try x.power(n)
      #expect(result.contains(try a.point(t).power(n)), "\(a) ^ \(n)")
      let values = [try x.lower.power(n), try x.upper.power(n)]
      expectTight(result, low: values.min()!, high: values.max()!, roundings: 3)
    }
  }

  @Test func squareRootsOfPerfectSquares() async throws {
    let nonnegative = IntervalSamples.fraction.map { $0.magnitude }
    await propertyCheck(count: 150, input: nonnegative, nonnegative, Gen.int(in: 24...256)) {
      a, b, precision in
      let (low, high) = (min(a, b), max(a, b))
      let x = try Interval(lower: low * low, upper: high * high, precision: precision)
      let root = try Interval.sqrt(x)
      // x was rounded outward, so its root may be a little wider than [low, high].
      expectTight(root, low: low, high: high, roundings: 3)
    }
  }

  @Test func multiplicationUsesTheLargerPrecision() {
    let third = Interval(Rational(1, 3), precision: 256)
    let coarse = Interval(3, precision: 24)
    let product = coarse * third
    #expect(product.precision == 256)
    #expect(product.contains(Rational(1)) && product.width < twoToThe(minus: 250))
  }

  // MARK: - Division by intervals containing 0

  @Test func divisionByAHalfOpenDivisorGivesAHalfLine() throws {
    let positive = try Interval(lower: 1, upper: 2)
    let touching = try Interval(lower: 0, upper: 4)
    let right = positive / touching
    #expect(right.lower == Rational(1, 4) && !right.isBounded)
    #expect(right.doubleBounds.upper == .infinity)
    let left = -positive / touching
    #expect(left.upper == Rational(-1, 4) && left.doubleBounds.lower == -.infinity)
    let mirrored = positive / -touching
    #expect(mirrored.upper == Rational(-1, 4) && !mirrored.isBounded)
  }

  @Test func divisionByAStraddlingDivisorGivesTheWholeLine() throws {
    let whole = try Interval(lower: 1, upper: 2) / Interval(lower: -1, upper: 4)
    #expect(whole.doubleBounds == (-.infinity, .infinity))
    let zeroOverTouching = Interval(0) / (try Interval(lower: 0, upper: 4))
    #expect(zeroOverTouching.contains(Rational(0)))
  }

  /// Whatever the divisor, every quotient of points with a nonzero divisor is enclosed.
  @Test func divisionIsSoundForEveryDivisor() async {
    await propertyCheck(
      count: 200, input: IntervalSamples.any, IntervalSamples.any, IntervalSamples.weight,
      IntervalSamples.weight
    ) { a, b, s, t in
      let y = b.interval
      guard !(y.isBounded && y.isPoint && y.lower == 0) else { return }
      let quotient = a.interval / y
      let divisor = b.point(t)
      if !divisor.isZero { #expect(quotient.contains(a.point(s) / divisor), "\(a) / \(b)") }
      if let reciprocal = try? y.reciprocal() {
        #expect(!y.contains(Rational(0)) && reciprocal.isBounded)
      } else {
        #expect(y.contains(Rational(0)))
      }
    }
  }

  @Test func dividingByAnythingContainingZeroThrows() throws {
    let x = try Interval(lower: 1, upper: 2)
    for divisor in [
      Interval(0), try Interval(lower: 0, upper: 4), try Interval(lower: -3, upper: 0),
      try Interval(lower: -1, upper: 1),
    ] {
      #expect(throws: ExactError.divisionByZero) { try x.dividing(by: divisor) }
      #expect(throws: ExactError.divisionByZero) { try divisor.reciprocal() }
      #expect(throws: ExactError.divisionByZero) { try divisor.power(-2) }
    }
    let quotient = try x.dividing(by: Interval(lower: 4, upper: 8))
    #expect(quotient.lower == Rational(1, 8) && quotient.upper == Rational(1, 2))
  }

  @Test func operatorDivisionByExactlyZeroTraps() async {
    await #expect(processExitsWith: .failure) {
      _ = Interval(1) / Interval(0)
    }
    await #expect(processExitsWith: .failure) {
      _ = Interval(1) / Rational(0)
    }
  }
}
