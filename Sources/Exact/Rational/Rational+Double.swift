internal import CGMP

extension Rational {
  /// The exact value of a finite Double (every finite Double is a dyadic rational).
  /// - Throws: `ExactError.notFinite` for infinities and NaN.
  public init(exactly value: Double) throws {
    guard value.isFinite else { throw ExactError.notFinite(value) }
    storage = Storage()
    __gmpq_set_d(storage.pointer, value)  // exact: GMP converts the binary value without rounding
  }
}
