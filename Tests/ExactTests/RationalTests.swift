import Exact
import PropertyBased
import Testing

@Suite("Rational")
struct RationalTests {
  // MARK: - Construction and text

  @Test func parsesFractionsInLowestTerms() throws {
    let x = try Rational(parsing: "-14/6")
    #expect(x.numerator == Integer(-7))
    #expect(x.denominator == Integer(3))
    #expect(x.description == "-7/3")
    #expect(try Rational(parsing: "+4/2").description == "2")
  }

  @Test func parsesDecimalsExactly() throws {
    #expect(try Rational(parsing: "0.1") == Rational(1, 10))
    #expect(try Rational(parsing: "1e-3") == Rational(1, 1000))
    #expect(try Rational(parsing: "-2.5E+2") == Rational(-250))
    #expect(try Rational(parsing: ".5") == Rational(1, 2))
    #expect(try Rational(parsing: "3.") == Rational(3))
    #expect(try Rational(parsing: "0.30000000000000000000000000000001")
      == Rational(Integer(30_000_000_000_000_000) * Integer(10).power(15) + 1, Integer(10).power(32)))
  }

  @Test(arguments: ["", "-", "1/", "/2", "1.2.3", "1e", "1e+", "0x10", " 1", "1 ", "1/-2", "1/2/3", "e5", "1,5", "٣"])
  func rejectsMalformedText(_ text: String) {
    #expect(throws: ExactError.self) { try Rational(parsing: text) }
    #expect(Rational(text) == nil)
  }

  @Test func reportsWhereTextIsMalformed() {
    #expect(throws: ExactError.malformedNumber(text: "12x4", position: 2, expected: "a digit, '.', 'e' or '/'")) {
      try Rational(parsing: "12x4")
    }
  }

  @Test func zeroDenominatorAndHugeExponentAreErrors() {
    #expect(throws: ExactError.divisionByZero) { try Rational(parsing: "1/0") }
    #expect(throws: ExactError.exponentOutOfRange(text: "1e1000000")) { try Rational(parsing: "1e1000000") }
    #expect(throws: ExactError.divisionByZero) { try Rational(numerator: 1, denominator: 0) }
  }

  @Test func descriptionRoundTrips() async {
    await propertyCheck(count: 300, input: Generators.any) { x in
      #expect(Rational(x.description) == x)
    }
  }

  // MARK: - Algebraic laws

  @Test func fieldLaws() async {
    await propertyCheck(count: 300, input: Generators.any, Generators.any, Generators.any) { a, b, c in
      #expect(a + b == b + a)
      #expect(a * b == b * a)
      #expect((a + b) + c == a + (b + c))
      #expect((a * b) * c == a * (b * c))
      #expect(a * (b + c) == a * b + a * c)
      #expect(a - a == 0)
      #expect(a + -a == 0)
      if !b.isZero {
        #expect((a / b) * b == a)
        #expect((try? a.dividing(by: b)) == a / b)
      }
    }
  }

  @Test func orderIsTotalAndCompatibleWithAddition() async {
    await propertyCheck(count: 300, input: Generators.any, Generators.any, Generators.any) { a, b, c in
      #expect((a < b) != (a >= b))
      #expect((a == b) == (!(a < b) && !(b < a)))
      if a < b { #expect(a + c < b + c) }
      #expect(a.magnitude >= 0)
      #expect(a.signum == (a > 0 ? 1 : a < 0 ? -1 : 0))
    }
  }

  @Test func equalValuesHashAlike() async {
    await propertyCheck(count: 200, input: Generators.smallInt, Generators.positiveInt, Gen.int(in: 1...50)) { n, d, k in
      let a = Rational(n, d), b = Rational(n * k, d * k)
      #expect(a == b)
      #expect(a.hashValue == b.hashValue)
      #expect(Set([a, b]).count == 1)
    }
  }

  /// Hashed in place, the hash is the one combining its numerator and denominator gave.
  @Test func hashIsItsNumeratorsAndDenominators() async {
    await propertyCheck(count: 200, input: Generators.any) { a in
      var h = Hasher()
      h.combine(a.numerator)
      h.combine(a.denominator)
      #expect(a.hashValue == h.finalize())
    }
  }

  @Test func powers() throws {
    #expect(try Rational(2, 3).power(3) == Rational(8, 27))
    #expect(try Rational(2, 3).power(-2) == Rational(9, 4))
    #expect(try Rational(0).power(0) == 1)
    #expect(throws: ExactError.divisionByZero) { try Rational(0).power(-1) }
    #expect(Rational(2).power(UInt(200)) == Rational(Integer(2).power(200)))
  }

  @Test func floorAndCeiling() {
    #expect(Rational(-7, 3).floor == Integer(-3))
    #expect(Rational(-7, 3).ceiling == Integer(-2))
    #expect(Rational(7, 3).floor == Integer(2))
    #expect(Rational(6, 3).ceiling == Integer(2))
  }

  @Test func floorBracketsTheValue() async {
    await propertyCheck(count: 200, input: Generators.any) { x in
      #expect(Rational(x.floor) <= x && x < Rational(x.floor) + 1)
      #expect(Rational(x.ceiling) >= x && x > Rational(x.ceiling) - 1)
    }
  }

  // MARK: - Value semantics

  @Test func copiesAreIndependent() {
    var a = Rational(1, 3)
    let b = a
    a += Rational(1)
    #expect(a == Rational(4, 3))
    #expect(b == Rational(1, 3))
    var c = Rational(2, 5)
    c += c
    #expect(c == Rational(4, 5))
    c *= c
    #expect(c == Rational(16, 25))
    c /= c
    #expect(c == 1)
  }
}
