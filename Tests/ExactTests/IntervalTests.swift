import Exact
import Intervals
import PropertyBased
import Testing

// MARK: - Shared helpers for the Interval suites

/// A random interval for property tests, kept as the exact rational bounds it was built from, so a
/// test can pick exact points inside it.
struct IntervalSample: Sendable, CustomStringConvertible {
  let low: Rational
  let high: Rational
  let precision: Int

  /// `[low, high]` rounded outward to `precision` bits.
  var interval: Interval {
    // The generator orders the bounds; a failure here is a bug in the test.
    try! Interval(lower: low, upper: high, precision: precision)
  }

  /// The point `low + t·(high - low)`; `t` in [0, 1] keeps it inside.
  func point(_ t: Rational) -> Rational { low + t * (high - low) }

  /// The same interval moved by 61 away from 0, so it no longer contains 0 (bounds are in
  /// [-60, 60]).
  var awayFromZero: IntervalSample {
    let shift = Rational(low + high >= 0 ? 61 : -61)
    return IntervalSample(low: low + shift, high: high + shift, precision: precision)
  }

  /// The image under `|·|` of an interval that does not contain 0.
  var magnitudeSample: IntervalSample {
    low > 0 ? self : IntervalSample(low: -high, high: -low, precision: precision)
  }

  var description: String { "[\(low), \(high)] @\(precision)" }
}

enum IntervalSamples {
  /// Small fractions with denominators up to 12, so most are not dyadic and get rounded.
  static let fraction = zip(Gen.int(in: -60...60), Gen.int(in: 1...12)).map { Rational($0, $1) }

  /// Intervals of every sign pattern (positive, negative, straddling 0, touching 0, points) at
  /// precisions from 24 to 256 bits.
  static let any = zip(fraction, fraction, Gen.int(in: 0...5), Gen.int(in: 24...256))
    .map { a, b, shape, precision in
      let low = shape == 0 ? a : (a < b ? a : b)
      let high = shape == 0 ? a : (a < b ? b : a)
      return IntervalSample(low: low, high: high, precision: precision)
    }

  /// Intervals that do not contain 0.
  static let nonzero = any.map { $0.awayFromZero }

  /// Fractions of the way across an interval: 0, 1 and sixteenths between.
  static let weight = Gen.int(in: 0...16).map { Rational($0, 16) }
}

/// `2^-n` as an exact rational.
func twoToThe(minus n: Int) -> Rational { Rational(1, 1) / Rational(Integer(2).power(UInt(n))) }

/// Expects `result` to enclose `[low, high]` and to be at most `roundings` rounding errors wider
/// at each end, one rounding error at `p` bits being below `|v|·2^(1-p)`.
func expectTight(
  _ result: Interval, low: Rational, high: Rational, roundings: Int = 1,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let ulp = twoToThe(minus: result.precision - 1) * Rational(roundings)
  #expect(result.isBounded, "\(result) should be bounded", sourceLocation: sourceLocation)
  guard result.isBounded else { return }
  #expect(result.lower <= low, "\(result) misses \(low)", sourceLocation: sourceLocation)
  #expect(result.upper >= high, "\(result) misses \(high)", sourceLocation: sourceLocation)
  #expect(
    low - result.lower <= low.magnitude * ulp, "\(result) too wide below \(low)",
    sourceLocation: sourceLocation)
  #expect(
    result.upper - high <= high.magnitude * ulp, "\(result) too wide above \(high)",
    sourceLocation: sourceLocation)
}

/// Expects `result` to lie within `tolerance` of the decimal `reference`.
func expectNear(
  _ result: Interval, _ reference: String, tolerance: Rational,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let center = try Rational(parsing: reference)
  let allowed = try Interval(lower: center - tolerance, upper: center + tolerance, precision: 512)
  #expect(
    allowed.contains(result), "\(result) is not within \(tolerance) of \(reference)",
    sourceLocation: sourceLocation)
}

// MARK: - Construction, queries, text

@Suite("Interval")
struct IntervalTests {
  @Test func representableRationalIsAPoint() {
    let x = Interval(Rational(-3, 8), precision: 24)
    #expect(x.isPoint)
    #expect(x.lower == Rational(-3, 8) && x.upper == Rational(-3, 8))
    #expect(x.precision == 24)
    #expect(Interval(Rational(1, 2)).precision == Interval.defaultPrecision)
  }

  @Test func nonDyadicRationalGetsTheTightestEnclosure() {
    // 1/3 lies in [1/4, 1/2), where 53-bit numbers are 2^-54 apart.
    let third = Interval(Rational(1, 3), precision: 53)
    #expect(third.lower < Rational(1, 3) && Rational(1, 3) < third.upper)
    #expect(third.width == twoToThe(minus: 54))
    #expect(third.contains(Rational(1, 3)))
  }

  @Test func morePrecisionGivesANarrowerInterval() {
    let narrow = Interval(Rational(1, 3), precision: 256)
    let wide = Interval(Rational(1, 3), precision: 53)
    #expect(narrow.width < wide.width)
    #expect(narrow.width == twoToThe(minus: 257))
    #expect(wide.contains(narrow))
    #expect((narrow + wide).precision == 256)
    #expect((wide * narrow).precision == 256)
  }

  @Test func integersAreExactWhenTheyFit() {
    #expect(Interval(Integer(2).power(200), precision: 24).isPoint)
    let tenTo50 = Integer(10).power(50)  // 2^50 · 5^50, and 5^50 needs 117 bits
    #expect(Interval(tenTo50, precision: 128).isPoint)
    #expect(!Interval(tenTo50, precision: 64).isPoint)
    #expect(Interval(tenTo50, precision: 64).contains(Rational(tenTo50)))
    #expect(Interval(-7).lower == Rational(-7))
  }

  @Test func doublesAreExactAtFiftyThreeBits() throws {
    let tenth = try Interval(0.1, precision: 53)
    #expect(tenth.isPoint)
    #expect(tenth.lower == (try Rational(exactly: 0.1)))
    #expect(tenth.lower != Rational(1, 10))  // the Double, not the decimal
    let coarse = try Interval(0.1, precision: 24)
    #expect(try !coarse.isPoint && coarse.contains(Rational(exactly: 0.1)))
  }

  @Test(arguments: [Double.nan, .infinity, -.infinity])
  func nonFiniteDoublesAreRejected(_ value: Double) {
    #expect(throws: ExactError.self) { try Interval(value) }
  }

  @Test func boundsMustBeOrdered() throws {
    #expect(throws: ExactError.invalidInterval(lower: "1/2", upper: "1/3")) {
      try Interval(lower: Rational(1, 2), upper: Rational(1, 3))
    }
    #expect(throws: ExactError.invalidInterval(lower: "2.0", upper: "1.0")) {
      try Interval(lower: 2.0, upper: 1.0)
    }
    let point = try Interval(lower: Rational(1, 3), upper: Rational(1, 3), precision: 64)
    #expect(point.contains(Rational(1, 3)) && !point.isPoint)
  }

  @Test(arguments: [
    (Double.nan, 1.0), (0.0, .nan), (.nan, .nan), (.infinity, .infinity), (-.infinity, -.infinity),
    (1.0, -.infinity),
  ])
  func nanAndEmptyDoubleBoundsAreRejected(_ bounds: (Double, Double)) {
    #expect(throws: ExactError.self) { try Interval(lower: bounds.0, upper: bounds.1) }
  }

  @Test func infiniteDoubleBoundsMakeHalfLines() throws {
    let half = try Interval(lower: -.infinity, upper: 2.5)
    #expect(!half.isBounded)
    #expect(half.upper == Rational(5, 2))
    #expect(half.doubleBounds == (-.infinity, 2.5))
    #expect(half.contains(Rational(-1_000_000)) && !half.contains(Rational(3)))
    #expect(half.description == "[-inf, 2.5]")
  }

  @Test func midpointAndWidthAreExact() throws {
    let x = try Interval(lower: Rational(-1, 4), upper: Rational(3, 2))
    #expect(x.midpoint == Rational(5, 8))
    #expect(x.width == Rational(7, 4))
  }

  @Test func doubleBoundsRoundOutward() throws {
    let third = Interval(Rational(1, 3), precision: 200)
    let (low, high) = third.doubleBounds
    #expect(try Rational(exactly: low) < Rational(1, 3))
    #expect(try Rational(exactly: high) > Rational(1, 3))
    #expect(high == low.nextUp)
    let negative = -third
    #expect(negative.doubleBounds == (-high, -low))
  }

  // MARK: Set operations

  @Test func containmentHullAndIntersection() throws {
    let a = try Interval(lower: 0, upper: 2)
    let b = try Interval(lower: 1, upper: 3)
    let c = try Interval(lower: 2, upper: 5)
    let d = try Interval(lower: Rational(21, 4), upper: 6)
    #expect(a.contains(Rational(2)) && !a.contains(Rational(-1, 1000)))
    #expect(a.hull(d).lower == 0 && a.hull(d).upper == 6)
    #expect(a.hull(d).contains(b) && !b.contains(a))
    let ab = try #require(a.intersection(b))
    #expect(ab.lower == 1 && ab.upper == 2)
    let touching = try #require(a.intersection(c))
    #expect(touching.isPoint && touching.lower == 2)
    #expect(!a.isDisjoint(from: c))
    #expect(a.intersection(d) == nil && a.isDisjoint(from: d) && d.isDisjoint(from: a))
  }

  @Test func setOperationsKeepTheLargerPrecision() throws {
    let coarse = Interval(Rational(1, 3), precision: 24)
    let fine = Interval(Rational(1, 3), precision: 200)
    let hull = coarse.hull(fine)
    #expect(hull.precision == 200)
    #expect(hull.lower == coarse.lower && hull.upper == coarse.upper)
    let meet = try #require(coarse.intersection(fine))
    #expect(meet.lower == fine.lower && meet.upper == fine.upper)
  }

  // MARK: Text

  @Test func descriptionRoundsOutward() throws {
    #expect(Interval(Rational(1, 3), precision: 24).description == "[0.333333313, 0.333333344]")
    #expect(Interval.pi().description(significantDigits: 5) == "[3.1415, 3.1416]")
    #expect((-Interval.pi()).description(significantDigits: 5) == "[-3.1416, -3.1415]")
    #expect(Interval(Rational(5, 2)).description == "[2.5, 2.5]")
    #expect(Interval(0).description == "[0, 0]")
    #expect(Interval(Integer(10).power(30)).description == "[1e30, 1e30]")
    #expect(
      Interval(Rational(3, 1_000_000_000)).description(significantDigits: 3) == "[2.99e-9, 3.01e-9]"
    )
    #expect(Interval(Rational(-987, 8)).description == "[-123.375, -123.375]")
    let unbounded = Interval(1) / (try Interval(lower: -1, upper: 1))
    #expect(unbounded.description == "[-inf, inf]")
  }

  @Test func printedEndpointsEncloseTheInterval() async throws {
    await propertyCheck(count: 100, input: IntervalSamples.any, Gen.int(in: 1...45)) {
      sample, digits in
      let x = sample.interval
      let text = x.description(significantDigits: digits)
      let parts = text.dropFirst().dropLast().split(separator: ", ").map(String.init)
      let low = try Rational(parsing: parts[0])
      let high = try Rational(parsing: parts[1])
      #expect(low <= x.lower && x.upper <= high, "\(text) does not enclose \(sample)")
    }
  }

  // MARK: Value semantics and memory

  @Test func copiesAreIndependent() throws {
    let a = try Interval(lower: 1, upper: 2)
    var b = a
    b += Interval(10)
    #expect(a.lower == 1 && a.upper == 2)
    #expect(b.lower == 11 && b.upper == 12)
    var c = a
    c *= c
    #expect(c.lower == 1 && c.upper == 4)
    var d = a
    d -= d  // the dependency problem: x - x is [-1, 1], not 0
    #expect(d.lower == -1 && d.upper == 1)
    var e = Interval(Rational(1, 3), precision: 24)
    e += Interval(Rational(1, 3), precision: 100)  // widens to the larger precision
    #expect(e.precision == 100 && e.contains(Rational(2, 3)))
    #expect(a.lower == 1 && a.upper == 2)
  }
}

