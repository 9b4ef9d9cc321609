internal import CGMP

extension Rational: Equatable, Comparable {
  public static func == (a: Rational, b: Rational) -> Bool {
    __gmpq_equal(a.storage.pointer, b.storage.pointer) != 0
  }

  public static func < (a: Rational, b: Rational) -> Bool {
    __gmpq_cmp(a.storage.pointer, b.storage.pointer) < 0
  }
}

extension Rational: Hashable {
  public func hash(into hasher: inout Hasher) {
    // Values are kept canonical (lowest terms, positive denominator), so equal values hash alike.
    // The same hash as combining `numerator` and `denominator`, without copying each out (two GMP
    // allocations per hash: a ring step's monomials and atoms hash many constants).
    Integer.hashLimbs(certify_mpq_numref(storage.pointer), into: &hasher)
    Integer.hashLimbs(certify_mpq_denref(storage.pointer), into: &hasher)
  }
}

extension Rational: ExpressibleByIntegerLiteral {
  public init(integerLiteral value: Int) { self.init(value) }
}

extension Rational: LosslessStringConvertible {
  /// The canonical text `p/q` in lowest terms with `q > 0`, or `p` when `q == 1` (as GMP prints it).
  public var description: String {
    isInteger ? numerator.description : "\(numerator)/\(denominator)"
  }

  /// Reads any text `init(parsing:)` accepts; nil where it would throw.
  public init?(_ description: String) {
    guard let value = try? Rational(parsing: description) else { return nil }
    self = value
  }
}
