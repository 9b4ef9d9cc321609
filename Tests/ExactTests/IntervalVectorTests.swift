import Exact
import Intervals
import Testing

/// `IntervalVector` against exact rational arithmetic: every in-place operation's element contains
/// the exact result, at low and high precision, with aliasing (memory: MemoryTests).
@Suite("IntervalVector")
struct IntervalVectorTests {
  @Test func newVectorsHoldExactZeros() {
    let v = IntervalVector(count: 5, precision: 53)
    #expect((0..<5).allSatisfy { v.isZero($0) && v.sign($0) == 0 && v.contains($0, Rational(0)) })
    #expect(v.intervals.count == 5)
  }

  @Test(arguments: [24, 53, 128, 256])
  func arithmeticEnclosesRationalResults(precision: Int) throws {
    var random = Seeded(state: UInt64(precision))
    for _ in 0..<200 {
      let (a, b, c) = (random.rational(), random.rational(), random.rational())
      let v = IntervalVector(count: 6, precision: precision)
      v.set(0, to: a)
      v.set(1, to: b)
      v.set(2, to: c)
      v.add(3, v, 0, v, 1)
      #expect(v.contains(3, a + b))
      v.subtract(4, v, 0, v, 1)
      #expect(v.contains(4, a - b))
      v.multiply(5, v, 0, v, 1)
      #expect(v.contains(5, a * b))
      v.multiplyAccumulate(5, v, 2, v, 2)  // v[5] = a b + c²
      #expect(v.contains(5, a * b + c * c))
      v.add(5, v, 5)  // aliasing: doubles it
      #expect(v.contains(5, 2 * (a * b + c * c)))
      v.multiply(5, by: Rational(1, 3))
      #expect(v.contains(5, 2 * (a * b + c * c) / 3))
      v.negate(5)
      #expect(v.contains(5, -2 * (a * b + c * c) / 3))
      v.add(5, Rational(7, 5))
      #expect(v.contains(5, Rational(7, 5) - 2 * (a * b + c * c) / 3))
      let (lo, hi) = v.doubleBounds(5)
      let (low, high) = (try Rational(exactly: lo), try Rational(exactly: hi))
      #expect(low <= v.lower(5) && v.upper(5) <= high)
    }
  }

  @Test func floatsAndDoublesArePointsAtTheirPrecision() throws {
    let v = IntervalVector(count: 2, precision: 24)
    v.set(0, to: Float(0.1))
    let tenth = try Rational(exactly: Double(Float(0.1)))
    #expect(v[0].isPoint && v.contains(0, tenth))
    v.set(1, to: 0.1)  // a Double has 53 bits: enclosed, not exact, at 24
    let exactTenth = try Rational(exactly: 0.1)
    #expect(!v[1].isPoint && v.contains(1, exactTenth))
    v.set(1, lower: -1, upper: 2)
    #expect(v.sign(1) == nil && v.isInside(1, lower: -1, upper: 2))
  }

  @Test(arguments: [24, 128])
  func dotProductsEncloseTheExactSum(precision: Int) {
    var random = Seeded(state: 7)
    let n = 50
    let a = (0..<(2 * n)).map { _ in random.rational() }
    let b = (0..<n).map { _ in random.rational() }
    let x = IntervalVector(count: 2 * n, precision: precision)
    let y = IntervalVector(count: n, precision: precision)
    for (k, r) in a.enumerated() { x.set(k, to: r) }
    for (k, r) in b.enumerated() { y.set(k, to: r) }
    x.setZero(4)  // exact zeros are skipped, exactly
    var exact = Rational(0)
    for t in 0..<n where 2 * t != 4 { exact += a[2 * t] * b[t] }
    let out = IntervalVector(count: 1, precision: precision)
    out.dot(into: 0, x, start: 0, stride: 2, y, start: 0, length: n)
    #expect(out.contains(0, exact))
    out.dot(into: 0, x, start: 0, y, start: 0, length: 0)
    #expect(out.isZero(0))
  }

  /// The strided multiply-accumulate: a dot product accumulated into one element (destination
  /// stride 0, a negative operand stride) and a scaled row added to a row, against exact sums.
  @Test(arguments: [24, 128])
  func stridedProductsEncloseTheExactSums(precision: Int) {
    var random = Seeded(state: 11)
    let n = 20
    let a = (0..<n).map { _ in random.rational() }, b = (0..<(2 * n)).map { _ in random.rational() }
    let x = IntervalVector(count: n, precision: precision), y = IntervalVector(count: 2 * n, precision: precision)
    for (k, r) in a.enumerated() { x.set(k, to: r) }
    for (k, r) in b.enumerated() { y.set(k, to: r) }
    let start = random.rational()
    let out = IntervalVector(count: n + 1, precision: precision)
    for k in 0...n { out.set(k, to: start) }
    // out[0] += Σ_t x[t] · y[2n − 1 − 2t]
    out.multiplyAccumulate(0, stride: 0, x, 0, stride: 1, y, 2 * n - 1, stride: -2, count: n)
    var exact = start
    for t in 0..<n { exact += a[t] * b[2 * n - 1 - 2 * t] }
    #expect(out.contains(0, exact))
    // out[1 + t] += x[3] · y[t]
    out.multiplyAccumulate(1, stride: 1, x, 3, stride: 0, y, 0, stride: 1, count: n)
    for t in 0..<n { #expect(out.contains(1 + t, start + a[3] * b[t])) }
    out.multiplyAccumulate(0, stride: 1, x, 0, stride: 1, y, 0, stride: 1, count: 0)
    #expect(out.contains(0, exact))
  }

  @Test func functionsEncloseTheirValues() throws {
    let v = IntervalVector(count: 3, precision: 128)
    for x in [Rational(-3), Rational(-1, 7), Rational(0), Rational(5, 2)] {
      v.set(0, to: x)
      try v.apply(.exp, 1, v, 0)
      #expect(!v[1].isDisjoint(from: Interval.exp(Interval(x))))
      try v.apply(.tanh, 1, v, 0)
      #expect(!v[1].isDisjoint(from: Interval.tanh(Interval(x))))
      try v.apply(.sigmoid, 1, v, 0)
      #expect(v[1].contains(Interval.sigmoid(Interval(x, precision: 256)).midpoint) || v[1].width < Rational(1, 1 << 60))
      try v.apply(.relu, 1, v, 0)
      #expect(v.contains(1, x.signum > 0 ? x : Rational(0)) && v[1].isPoint)
      try v.apply(.power(3), 1, v, 0)
      #expect(v.contains(1, x * x * x))
      try v.apply(.power(2), 0, v, 0)  // in place
      #expect(v.contains(0, x * x))
    }
    v.set(0, lower: -2, upper: 3)
    try v.apply(.power(2), 1, v, 0)
    #expect(v.lower(1) == 0 && v.upper(1) == 9)
    try v.apply(.relu, 1, v, 0)
    #expect(v.lower(1) == 0 && v.upper(1) == 3)
  }

  @Test func domainErrorsLeaveTheElementAlone() throws {
    let v = IntervalVector(count: 2, precision: 53)
    v.set(0, lower: -1, upper: 1)
    v.set(1, to: Rational(5))
    #expect(throws: IntervalFunctionError.self) { try v.apply(.log, 1, v, 0) }
    #expect(throws: IntervalFunctionError.self) { try v.apply(.power(-1), 1, v, 0) }
    #expect(v.contains(1, Rational(5)) && v[1].isPoint)
    v.set(0, to: Rational(4))
    try v.apply(.power(-2), 1, v, 0)
    #expect(v.contains(1, Rational(1, 16)))
    try v.apply(.log, 1, v, 0)
    #expect(v.sign(1) == 1)
  }

  /// `√x` is exact on squares, encloses `√2` (its square contains 2), and needs `x ≥ 0`
  /// certainly: an element straddling 0 is a domain error.
  @Test func squareRootsEncloseTheirValues() throws {
    let v = IntervalVector(count: 2, precision: 128)
    v.set(0, to: Rational(9, 4))
    try v.apply(.squareRoot, 1, v, 0)
    #expect(v.contains(1, Rational(3, 2)) && v[1].isPoint)
    v.set(0, to: Rational(2))
    try v.apply(.squareRoot, 1, v, 0)
    let root = v[1]
    let tiny = try Rational(parsing: "1e-30")
    #expect((root * root).contains(Rational(2)) && root.width < tiny)
    v.set(0, to: Rational(0))
    try v.apply(.squareRoot, 1, v, 0)
    #expect(v.contains(1, Rational(0)))
    v.set(0, lower: -1, upper: 4)
    #expect(throws: IntervalFunctionError.self) { try v.apply(.squareRoot, 1, v, 0) }
  }
}
