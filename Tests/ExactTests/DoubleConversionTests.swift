import Exact
import Intervals
import PropertyBased
import Testing

@Suite("Rational and Double")
struct DoubleConversionTests {
  @Test func everyFiniteDoubleIsExact() throws {
    #expect(try Rational(exactly: 0.1) == Rational(3_602_879_701_896_397, 36_028_797_018_963_968))
    #expect(try Rational(exactly: 0.1) != Rational(1, 10))
    #expect(try Rational(exactly: -0.5) == Rational(-1, 2))
    #expect(try Rational(exactly: Double.leastNonzeroMagnitude) == Rational(1) / Rational(Integer(2).power(1074)))
    #expect(throws: ExactError.notFinite(.infinity)) { try Rational(exactly: .infinity) }
    #expect(throws: ExactError.self) { try Rational(exactly: .nan) }
  }

  @Test func roundTripsThroughDouble() async {
    await propertyCheck(count: 500, input: Gen.double(in: -1e300...1e300)) { d in
      #expect((try? Rational(exactly: d)).map(Double.init) == d)
    }
  }

  @Test func roundsToNearestWhereGMPWouldTruncate() {
    // 1/3 in binary is 0.0101...; its nearest Double rounds up, truncation would round down.
    #expect(Double(Rational(1, 3)) == 1.0 / 3.0)
    #expect(Double(Rational(2, 3)) == 2.0 / 3.0)
    #expect(Double(Rational(-2, 3)) == -2.0 / 3.0)
  }

  @Test func tiesGoToEven() throws {
    let one = Rational(1)
    let ulpHalf = try Rational(exactly: 0x1p-53)
    #expect(Double(one + ulpHalf) == 1.0)  // tie between 1 and 1 + 2^-52: even is 1
    let oneUlp = try Rational(exactly: 0x1p-52)
    #expect(Double(one + oneUlp + ulpHalf) == 1.0 + 0x1p-51)  // tie: even is 1 + 2^-51
  }

  @Test func subnormalsAreRoundedOnce() throws {
    let tiny = try Rational(exactly: Double.leastNonzeroMagnitude)
    #expect(Double(tiny / 2) == 0)                                 // tie goes to even 0
    #expect(Double(tiny / 2 + Rational(1, 10) * tiny) == Double.leastNonzeroMagnitude)
    #expect(Double(-(tiny * Rational(3, 2))) == -2 * Double.leastNonzeroMagnitude)  // tie to even 2
    #expect(Double(tiny * Rational(5, 4)) == Double.leastNonzeroMagnitude)
    #expect(Double(tiny / 3) == 0)
  }

  @Test func overflowGoesToInfinity() throws {
    let max = try Rational(exactly: Double.greatestFiniteMagnitude)
    #expect(Double(max) == .greatestFiniteMagnitude)
    #expect(Double(max * 2) == .infinity)
    #expect(Double(-max * 2) == -.infinity)
  }

  /// Against the definition: no Double lies strictly closer to the rational than the result.
  @Test func resultIsNearest() async {
    await propertyCheck(count: 500, input: Generators.any, Gen.int(in: -1100 ... 1000)) { x, shift in
      let scale = shift >= 0 ? Rational(Integer(2).power(UInt(shift))) : 1 / Rational(Integer(2).power(UInt(-shift)))
      let value = x * scale
      let d = Double(value)
      guard d.isFinite else { return }
      let error = (try! Rational(exactly: d) - value).magnitude
      for neighbour in [d.nextUp, d.nextDown] where neighbour.isFinite {
        #expect(error <= (try! Rational(exactly: neighbour) - value).magnitude)
      }
    }
  }
}
