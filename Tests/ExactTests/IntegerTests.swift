import Exact
import PropertyBased
import Testing

@Suite("Integer")
struct IntegerTests {
  @Test func parsesAndPrintsLargeValues() throws {
    let text = "-123456789012345678901234567890123456789"
    #expect(try Integer(parsing: text).description == text)
    #expect(Integer(2).power(100).description == "1267650600228229401496703205376")
    #expect(Integer("12a") == nil)
    #expect(Integer("") == nil)
  }

  @Test func flooredDivisionMatchesPython() throws {
    let (q, r) = try Integer(-7).flooredDivision(by: Integer(2))
    #expect(q == Integer(-4) && r == Integer(1))
    #expect(throws: ExactError.divisionByZero) { try Integer(1).flooredDivision(by: Integer()) }
  }

  @Test func ringLawsAgreeWithInt() async {
    await propertyCheck(count: 300, input: Gen.int(in: -1_000_000...1_000_000), Gen.int(in: -1_000_000...1_000_000)) { a, b in
      #expect(Int(exactly: Integer(a) + Integer(b)) == a + b)
      #expect(Int(exactly: Integer(a) * Integer(b)) == a * b)
      #expect(Int(exactly: Integer(a) - Integer(b)) == a - b)
      #expect((Integer(a) < Integer(b)) == (a < b))
      let g = Integer.gcd(Integer(a), Integer(b))
      if !g.isZero {
        #expect((try? Integer(a).flooredDivision(by: g))?.remainder.isZero == true)
        #expect((try? Integer(b).flooredDivision(by: g))?.remainder.isZero == true)
      }
    }
  }

  @Test func intConversionRefusesWhatDoesNotFit() {
    #expect(Int(exactly: Integer(Int.max)) == Int.max)
    #expect(Int(exactly: Integer(Int.max) + 1) == nil)
    #expect(Integer(exactly: 2.5) == nil)
    #expect(Integer(exactly: 1e20) == Integer(10).power(20))
  }
}
