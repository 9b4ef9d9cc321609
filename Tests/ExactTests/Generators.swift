import Exact
import PropertyBased

/// Random rationals for property tests: small fractions, and large ones built from them, so both
/// GMP's single-limb and multi-limb paths are exercised.
enum Generators {
  static let smallInt = Gen.int(in: -1_000...1_000)
  static let positiveInt = Gen.int(in: 1...1_000)

  static let small = zip(smallInt, positiveInt).map { Rational($0, $1) }

  /// Values with numerators and denominators of 60 to 70 digits.
  static let large = zip(Gen.int(in: -999_999_999...999_999_999), Gen.int(in: 1...999_999_999))
    .map { n, d in
      let big = Integer(10).power(60)
      return Rational(Integer(n) * big + Integer(d), Integer(d) * big + 7)
    }

  static let any = zip(small, large, Gen.bool()).map { s, l, pickLarge in pickLarge ? l : s }
}
