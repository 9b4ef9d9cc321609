import Exact
import Intervals
import Testing

/// `IntervalLinearMap` against exact rational arithmetic: the result contains the exact range of
/// `A x + c` over the box, and is no wider than the roundings allow.
@Suite("IntervalLinearMap")
struct IntervalLinearMapTests {
  /// The exact range of `Σ a_j x_j + c` over `x ∈ box` for exact coefficient sets `[aLow, aHigh]`.
  static func exactRange(_ a: [(Rational, Rational)], _ x: [(Rational, Rational)], _ c: (Rational, Rational)) -> (Rational, Rational) {
    var (low, high) = c
    for (aj, xj) in zip(a, x) {
      let corners = [aj.0 * xj.0, aj.0 * xj.1, aj.1 * xj.0, aj.1 * xj.1]
      low += corners.min()!
      high += corners.max()!
    }
    return (low, high)
  }

  @Test(arguments: [24, 53, 128, 256])
  func enclosesTheExactRangeTightly(precision: Int) throws {
    var random = Seeded(state: UInt64(precision))
    for trial in 0..<30 {
      let rows = Int.random(in: 1...6, using: &random), columns = Int.random(in: 1...40, using: &random)
      // Coefficients: points (Float32 values, exact), exact zeros, and some wide enclosures of thirds.
      var coefficients: [Interval] = [], exact: [[(Rational, Rational)]] = []
      for _ in 0..<rows {
        var row: [(Rational, Rational)] = []
        for _ in 0..<columns {
          switch Int.random(in: 0..<10, using: &random) {
          case 0:
            coefficients.append(Interval(0, precision: precision))
            row.append((0, 0))
          case 1:
            let third = Interval(Rational(Int.random(in: -50...50, using: &random), 3), precision: precision)
            coefficients.append(third)
            row.append((third.lower, third.upper))
          default:
            let w = Float.random(in: -2...2, using: &random)
            coefficients.append(try Interval(Double(w), precision: max(precision, 24)))
            let exactW = try Rational(exactly: Double(w))
            row.append((exactW, exactW))
          }
        }
        exact.append(row)
      }
      let constants = (0..<rows).map { _ in Interval(random.rational(), precision: precision) }
      let inputs = try (0..<columns).map { _ -> Interval in
        let a = random.rational(), b = random.rational()
        return try Interval(lower: min(a, b), upper: max(a, b), precision: precision)
      }
      let map = IntervalLinearMap(rows: rows, columns: columns, coefficients: coefficients, constants: constants, precision: precision)
      let result = map.apply(inputs)
      #expect(result.count == rows)
      for i in 0..<rows {
        let (low, high) = Self.exactRange(exact[i], inputs.map { ($0.lower, $0.upper) }, (constants[i].lower, constants[i].upper))
        #expect(result[i].lower <= low && result[i].upper >= high, "trial \(trial) row \(i)")
        #expect(result[i].precision == precision)
        // Each of the 2·columns + 1 roundings moves an endpoint by at most one ulp of a partial
        // result, each below the sum of magnitudes.
        var scale = max(low.magnitude, high.magnitude)
        for (aj, xj) in zip(exact[i], inputs) { scale += max(aj.0.magnitude, aj.1.magnitude) * max(xj.lower.magnitude, xj.upper.magnitude) }
        let slack = scale * Rational(2 * columns + 2) / Rational(Integer(2).power(UInt(precision - 1)))
        #expect(low - result[i].lower <= slack && result[i].upper - high <= slack, "trial \(trial) row \(i)")
      }
    }
  }

  @Test func unboundedInputsStaySound() throws {
    let map = IntervalLinearMap(
      rows: 2, columns: 2, coefficients: [Interval(3), Interval(-1), Interval(0), Interval(2)], constants: [Interval(1), Interval(0)],
      precision: 64)
    let halfLine = try Interval(lower: 1, upper: .infinity, precision: 64)
    let y = map.apply([halfLine, Interval(5, precision: 64)])
    // 3·[1, ∞) − 5 + 1 = [−1, ∞); 0·[1, ∞) + 2·5 = 10 (the zero coefficient is skipped, not 0·∞).
    #expect(y[0].doubleBounds == (-1, .infinity))
    #expect(y[1].doubleBounds == (10, 10))
  }
}
