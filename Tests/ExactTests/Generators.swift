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

/// SplitMix64, for the sweeps that draw their own operands: failures reproduce from the seed.
struct Seeded: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A fraction with numerator in ±10,000 and denominator in 1...999.
  mutating func rational() -> Rational {
    Rational(Int.random(in: -10_000...10_000, using: &self), Int.random(in: 1...999, using: &self))
  }
}
