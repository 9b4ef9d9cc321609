import Exact

import Intervals
/// One timed operation. Names are shared with scripts/bench_exact.py, which times the same
/// operations with Python's `fractions.Fraction` and `mpmath.iv`.
struct BenchmarkCase: Sendable {
  let name: String
  /// The operations one call of `body` performs; times are reported per operation.
  var operations = 1
  let body: @Sendable () -> Void
}

/// The operands: small fractions, fractions with numerators and denominators of about 300
/// digits (the same integers as in the Python script), and 128-bit intervals.
enum Operands {
  static let smallA = Rational(3, 7)
  static let smallB = Rational(-5, 11)

  // 7^355 has 300 digits, 3^629 has 301, 11^288 has 300, 13^269 has 300.
  static let largeA = Rational(Integer(7).power(355) + 1, Integer(3).power(629) + 2)
  static let largeB = -Rational(Integer(11).power(288) + 5, Integer(13).power(269) + 3)

  static let intervalA = try! Interval(lower: Rational(1, 3), upper: Rational(1, 2), precision: 128)
  static let intervalB = try! Interval(
    lower: Rational(-5, 11), upper: Rational(3, 7), precision: 128)

  /// An IBP layer's worth of terms: 16 rows of 784 Float32-valued weights `((k·7919) mod 2001 −
  /// 1000) / 4096` against pixel boxes of radius 3/1000 around `(k mod 256) / 255`, clipped to
  /// [0, 1] (every seventh pixel is 0, as much of an image is). Same values in scripts/bench_exact.py.
  static let dotRows = 16, dotColumns = 784
  static let dotMap: IntervalLinearMap = {
    let weights = (0..<(dotRows * dotColumns)).map { k in Interval(Rational((k * 7919) % 2001 - 1000, 4096), precision: 128) }
    return IntervalLinearMap(rows: dotRows, columns: dotColumns, coefficients: weights, constants: (0..<dotRows).map { _ in Interval(0) }, precision: 128)
  }()
  static let dotInputs: [Interval] = (0..<dotColumns).map { k in
    let centre = k % 7 == 0 ? Rational(0) : Rational(k % 256, 255), eps = Rational(3, 1000)
    return try! Interval(lower: max(centre - eps, 0), upper: min(centre + eps, 1), precision: 128)
  }
}

let benchmarkCases: [BenchmarkCase] = {
  let (a, b) = (Operands.smallA, Operands.smallB)
  let (p, q) = (Operands.largeA, Operands.largeB)
  let (x, y) = (Operands.intervalA, Operands.intervalB)
  return [
    BenchmarkCase(name: "rational_add_small") { blackHole(a + b) },
    BenchmarkCase(name: "rational_mul_small") { blackHole(a * b) },
    BenchmarkCase(name: "rational_div_small") { blackHole(a / b) },
    BenchmarkCase(name: "rational_add_large") { blackHole(p + q) },
    BenchmarkCase(name: "rational_mul_large") { blackHole(p * q) },
    BenchmarkCase(name: "rational_div_large") { blackHole(p / q) },
    BenchmarkCase(name: "interval_mul_128") { blackHole(x * y) },
    BenchmarkCase(name: "interval_exp_128") { blackHole(Interval.exp(x)) },
    BenchmarkCase(name: "interval_dot_term_128", operations: Operands.dotRows * Operands.dotColumns) {
      blackHole(Operands.dotMap.apply(Operands.dotInputs))
    },
  ]
}()
