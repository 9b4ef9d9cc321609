import Exact

/// One timed operation. Names are shared with scripts/bench_exact.py, which times the same
/// operations with Python's `fractions.Fraction` and `mpmath.iv`.
struct BenchmarkCase: Sendable {
  let name: String
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
  ]
}()
