import Exact
import Intervals
import Testing

/// `IntervalVector.apply(.erf)` and `.gelu` (the gradient audit's GELU layers): enclosures that
/// contain the true values, at points against references to 50 digits (mpmath at 60 digits) and
/// over wide intervals against 512-bit values at points inside them.
@Suite("Interval vector erf and GELU")
struct IntervalVectorGELUTests {
  /// `x Φ(x)` at `x`, from mpmath: `x*(1+erf(x/sqrt(2)))/2` at 60 digits, rounded to 50.
  static let references: [(String, String)] = [
    ("-3", "-0.0040496940948902835799554443027849321334881044751419"),
    ("-0.75", "-0.1699705142826511494952966270376073088267986949067"),
    ("-0.1", "-0.046017216272297101853459538176081791698593771631023"),
    ("0.3", "0.18537342665668579119195868893642529441537244015437"),
    ("1", "0.8413447460685429485852325456320379224779129667266"),
    ("2.5", "2.4844758366855596620825547385645194471802556326923"),
  ]

  @Test func geluAtPointsEnclosesTheReferences() throws {
    let tolerance = try Rational(parsing: "1e-48")
    let v = IntervalVector(count: 2, precision: 200)
    for (x, reference) in Self.references {
      v.set(0, to: try Rational(parsing: x))
      try v.apply(.gelu, 1, v, 0)
      let r = try Rational(parsing: reference)
      // The reference is rounded to 50 digits: the true value is within 1e-50 of it.
      let near = try Interval(lower: r - tolerance, upper: r + tolerance, precision: 512)
      #expect(!v[1].isDisjoint(from: near), "gelu(\(x)) = \(v[1]), reference \(reference)")
      #expect(v[1].width < (try Rational(parsing: "1e-55")), "gelu(\(x)) = \(v[1]) is too wide")
    }
    // In place (`e` is `x`), as the plans apply it.
    v.set(0, to: Rational(1))
    try v.apply(.gelu, 0, v, 0)
    let phi1 = try Rational(parsing: Self.references[4].1)
    #expect(abs(v[0].midpoint - phi1) < (try Rational(parsing: "1e-48")))
  }

  /// Over wide intervals (GELU is not monotone: its minimum is near -0.75), every point's 512-bit
  /// value is inside the 128-bit enclosure; erf's enclosure holds erf at the points too.
  @Test func wideIntervalsHoldEveryPointsValue() throws {
    let v = IntervalVector(count: 3, precision: 128)
    for (low, high) in [(-2, 1), (-1, -1 + 1), (-5, -3), (0, 4)] as [(Int, Int)] {
      let (l, h) = (Rational(low), Rational(high) + Rational(1, 3))
      v.set(0, to: try Interval(lower: l, upper: h, precision: 128))
      try v.apply(.gelu, 1, v, 0)
      try v.apply(.erf, 2, v, 0)
      for k in 0...40 {
        let x = Interval(l + (h - l) * Rational(k, 40), precision: 512)
        let phi = (Interval.erf(x / (try Interval.sqrt(Interval(2, precision: 512)))) + Rational(1)) / Rational(2)
        let gelu = x * phi
        #expect(v[1].contains(gelu.midpoint), "gelu on [\(l), \(h)] = \(v[1]) misses \(gelu) at \(x)")
        #expect(v[2].contains(Interval.erf(x).midpoint), "erf on [\(l), \(h)] = \(v[2]) misses erf(\(x))")
      }
    }
  }

  /// A mutated enclosure fails the reference: `x Φ(x)` with the tanh approximation's Φ is within
  /// 1e-3 of GELU but outside the erf form's enclosure.
  @Test func theTanhApproximationIsNotInsideTheEnclosure() throws {
    let v = IntervalVector(count: 2, precision: 128)
    v.set(0, to: Rational(1))
    try v.apply(.gelu, 1, v, 0)
    let x = Interval(1, precision: 512)
    let c = try Interval.sqrt(Interval(2, precision: 512) / Interval.pi(precision: 512))
    let approximation = x * (Interval.tanh(c * (x + Rational(44715, 1_000_000) * x * x * x)) + Rational(1)) / Rational(2)
    #expect(!v[1].contains(approximation.midpoint))
    #expect(abs(v[1].midpoint - approximation.midpoint) < Rational(1, 1000))
  }
}
