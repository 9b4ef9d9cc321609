import Exact
import Testing

@testable import certify

/// The result file VNN-COMP's scripts read: a counterexample's inputs are written so that they read
/// back as exactly the values Certify checked.
@Suite struct VNNLIBResultFileTests {
  @Test(arguments: [
    (Rational(3, 8), "0.375"),            // a Double: its shortest form
    (Rational(7), "7.0"),
    (Rational(1, 10), "0.1"),              // a decimal that is no Double: its whole expansion
    (Rational(-12345, 1000), "-12.345"),
    (Rational(3588235378265381, 10_000_000_000_000_000), "0.3588235378265381"),
    (Rational(1, 3), "0.3333333333333333"), // no finite decimal: the nearest Double
  ])
  func inputsReadBackExactly(value: Rational, text: String) throws {
    #expect(AuditVNNLIB.exactText(value) == text)
    if value != Rational(1, 3) { #expect(try Rational(parsing: text) == value) }
  }
}
