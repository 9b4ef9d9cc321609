import Exact
import Intervals
import PropertyBased
import Testing

@Suite("Interval functions")
struct IntervalFunctionTests {
  // MARK: - Known constants

  /// Each reference is the constant truncated after `decimals` digits, so the constant lies in
  /// `[reference, reference + 10^-decimals]`; the interval must lie there too.
  static func expectTruncation(
    _ x: Interval, _ reference: String, decimals: Int,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let low = try Rational(parsing: reference)
    let allowed = try Interval(
      lower: low, upper: low + (try Rational(parsing: "1e-\(decimals)")), precision: 512)
    #expect(
      allowed.contains(x), "\(x) is not within 1e-\(decimals) above \(reference)",
      sourceLocation: sourceLocation)
    #expect(
      x.width < (try Rational(parsing: "1e-58")), "\(x) is too wide", sourceLocation: sourceLocation
    )
  }

  static let pi = "3.141592653589793238462643383279502884197"
  static let e = "2.718281828459045235360287471352662497757"
  static let log2 = "0.6931471805599453094172321214581765680755"

  @Test func constantsEncloseTheirFortyDigits() throws {
    try Self.expectTruncation(Interval.pi(precision: 200), Self.pi, decimals: 39)
    try Self.expectTruncation(Interval.e(precision: 200), Self.e, decimals: 39)
    try Self.expectTruncation(Interval.log2(precision: 200), Self.log2, decimals: 40)
  }

  @Test func expAndLogOfExactArgumentsEncloseTheConstants() throws {
    try Self.expectTruncation(Interval.exp(Interval(1, precision: 200)), Self.e, decimals: 39)
    try Self.expectTruncation(
      try Interval.log(Interval(2, precision: 200)), Self.log2, decimals: 40)
    // log(e) = 1 from an enclosure of e.
    #expect(try Interval.log(Interval.e(precision: 200)).contains(Rational(1)))
  }

  /// References computed with mpmath at 60 digits, rounded to 50.
  @Test func transcendentalValuesAgreeWithReferences() throws {
    let tolerance = try Rational(parsing: "1e-48")
    let half = Interval(Rational(1, 2), precision: 200)
    try expectNear(
      Interval.erf(half), "0.52049987781304653768274665389196452873645157575796",
      tolerance: tolerance)
    try expectNear(
      Interval.erf(Interval(2, precision: 200)),
      "0.99532226501895273416206925636725292861089179704006",
      tolerance: tolerance)
    try expectNear(
      Interval.tanh(half), "0.46211715726000975850231848364367254873028928033011",
      tolerance: tolerance)
    try expectNear(
      Interval.sigmoid(Interval(1, precision: 200)),
      "0.73105857863000487925115924182183627436514464016506",
      tolerance: tolerance)
    try expectNear(
      Interval.sigmoid(Interval(Rational(-3, 2), precision: 200)),
      "0.18242552380635634039278282134375175245375915641910", tolerance: tolerance)
  }

  // MARK: - Identities

  static let positivePoint = zip(
    Gen.int(in: 1...10_000), Gen.int(in: 1...100), Gen.int(in: 24...256)
  )
  .map { n, d, precision in (Rational(n, d), precision) }

  @Test func expOfLogContainsTheArgument() async {
    await propertyCheck(count: 100, input: Self.positivePoint) { (sample: (Rational, Int)) throws in
      let (x, precision) = sample
      let point = Interval(x, precision: precision)
      let expOfLog = Interval.exp(try Interval.log(point))
      let logOfExp = try Interval.log(Interval.exp(point))
      let squareOfRoot = try Interval.sqrt(point).squared()
      #expect(expOfLog.contains(x), "exp(log(\(x))) at \(precision) bits: \(expOfLog)")
      #expect(logOfExp.contains(x), "log(exp(\(x))) at \(precision) bits: \(logOfExp)")
      #expect(squareOfRoot.contains(x), "sqrt(\(x))² at \(precision) bits: \(squareOfRoot)")
    }
  }

  /// σ(x) + σ(-x) = 1 for every x, so the sum of the enclosures contains 1, for wide intervals too.
  @Test func sigmoidIsSymmetric() async {
    await propertyCheck(count: 150, input: IntervalSamples.any) { a in
      let x = a.interval
      #expect((Interval.sigmoid(x) + Interval.sigmoid(-x)).contains(Rational(1)), "\(a)")
    }
  }

  /// tanh(x) = 2σ(2x) - 1: two independent enclosures of the same set must meet.
  @Test func tanhAndSigmoidAgree() async {
    await propertyCheck(count: 150, input: IntervalSamples.any) { a in
      let x = a.interval
      let viaSigmoid = Interval.sigmoid(x * 2) * 2 - 1
      #expect(!Interval.tanh(x).isDisjoint(from: viaSigmoid), "\(a)")
    }
  }

  /// erf and tanh are odd and round each endpoint correctly, so `f(-x)` is exactly `-f(x)`.
  @Test func oddFunctionsAreExactlyOdd() async {
    #expect(Interval.erf(Interval(0)).isPoint && Interval.erf(Interval(0)).lower == 0)
    await propertyCheck(count: 150, input: IntervalSamples.any) { a in
      let x = a.interval
      for f in [Interval.erf, Interval.tanh] {
        let image = f(x)
        let mirrored = f(-x)
        #expect(mirrored.lower == -image.upper && mirrored.upper == -image.lower, "\(a)")
      }
    }
  }

  /// The increasing functions map the endpoints: the image of [a, b] contains f(a) and f(b)
  /// computed from point intervals, and is no wider than that.
  @Test func increasingFunctionsMapEndpoints() async {
    let functions: [(Interval) -> Interval] = [
      Interval.exp, Interval.tanh, Interval.sigmoid, Interval.erf,
    ]
    await propertyCheck(count: 100, input: IntervalSamples.any) { a in
      let x = a.interval
      for f in functions {
        let image = f(x)
        let atLow = f(Interval(x.lower, precision: a.precision))
        let atHigh = f(Interval(x.upper, precision: a.precision))
        #expect(image.lower == atLow.lower && image.upper == atHigh.upper, "\(a)")
      }
    }
  }

  /// Rounding direction: the image at the working precision contains the 1024-bit images of its
  /// endpoints, which are 2^-1000 wide around the true values. An endpoint rounded the wrong way
  /// lands inside the true image and misses them.
  @Test func imagesContainHighPrecisionImagesOfTheEndpoints() async throws {
    // log and sqrt get the sample moved to the positive side.
    let functions: [(String, Bool, (Interval) throws -> Interval)] = [
      ("exp", false, Interval.exp), ("tanh", false, Interval.tanh),
      ("sigmoid", false, Interval.sigmoid),
      ("erf", false, Interval.erf), ("log", true, Interval.log), ("sqrt", true, Interval.sqrt),
    ]
    await propertyCheck(count: 100, input: IntervalSamples.any) { sample in
      for (name, positiveOnly, f) in functions {
        let a = positiveOnly && sample.low <= 0 ? sample.awayFromZero.magnitudeSample : sample
        let x = a.interval
        let image = try f(x)
        for end in [x.lower, x.upper] {
          let reference = try f(Interval(end, precision: 1024))
          #expect(image.contains(reference), "\(name)(\(a)) = \(image) misses \(name)(\(end))")
        }
      }
    }
  }

  /// At a point, each function's enclosure is a few ulps wide at the working precision.
  @Test func pointImagesAreTight() async {
    let functions: [(String, (Interval) -> Interval)] = [
      ("exp", Interval.exp), ("tanh", Interval.tanh), ("sigmoid", Interval.sigmoid),
      ("erf", Interval.erf),
    ]
    await propertyCheck(count: 100, input: IntervalSamples.fraction, Gen.int(in: 24...256)) {
      x, precision in
      guard !x.isZero else { return }
      let point = Interval(x, precision: precision)
      for (name, f) in functions {
        let image = f(point)
        // Relative width: the point itself is up to 1 ulp wide and f has slope at most ~|x| times
        // its value here, plus a rounding at each end.
        let allowed = image.upper.magnitude * twoToThe(minus: precision - 8)
        #expect(image.width <= allowed, "\(name)(\(x)) at \(precision) bits: \(image)")
      }
    }
  }

  @Test func saturatingFunctionsStayInTheirRanges() throws {
    let wide = try Interval(lower: -1_000_000, upper: 1_000_000, precision: 64)
    let sigmoid = Interval.sigmoid(wide)
    #expect(sigmoid.lower > 0 && sigmoid.upper <= 1)
    #expect(Interval.erf(wide).lower >= -1 && Interval.erf(wide).upper <= 1)
    let line = try Interval(lower: -.infinity, upper: .infinity)
    #expect(Interval.sigmoid(line).lower == 0 && Interval.sigmoid(line).upper == 1)
    #expect(Interval.erf(line).lower == -1 && Interval.tanh(line).upper == 1)
    #expect(!Interval.exp(try Interval(lower: 0, upper: 2_000_000_000)).isBounded)
  }

  // MARK: - Domain errors

  @Test func logAndSqrtRejectArgumentsOutsideTheirDomain() throws {
    #expect(throws: ExactError.outsideDomain(function: "log", argument: "[-1, 1]")) {
      try Interval.log(Interval(lower: -1, upper: 1))
    }
    #expect(throws: ExactError.self) { try Interval.log(Interval(lower: 0, upper: 1)) }
    #expect(throws: ExactError.self) { try Interval.log(Interval(-2)) }
    #expect(throws: ExactError.outsideDomain(function: "sqrt", argument: "[-2, -1]")) {
      try Interval.sqrt(Interval(lower: -2, upper: -1))
    }
    #expect(throws: ExactError.self) { try Interval.sqrt(Interval(lower: -1, upper: 4)) }
    let root = try Interval.sqrt(Interval(lower: 0, upper: 4))
    #expect(root.lower == 0 && root.upper == 2)
  }
}
