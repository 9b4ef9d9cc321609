public import Exact

/// Rationals as exact reals: every answer is exact, and a value that is not a known rational throws
/// `EvaluationError.notExact`, so the caller can retry with intervals.
///
/// The transcendental functions are exact only at their rational points: `exp(0) = 1`,
/// `log(1) = 0`, `tanh(0) = erf(0) = 0`, `sigmoid(0) = 1/2` (Lindemann–Weierstrass: elsewhere on the
/// rationals, `exp`, `tanh`, `sigmoid` are irrational; `erf` and `log` are not known rational, and
/// nothing is lost by asking intervals). Roots are exact when the base is a perfect power
/// (`4^(1/2) = 2`), as in `ExactEvaluator`.
extension Rational: RealScalar {
  /// `value` itself; rationals are exact, so `precision` is ignored.
  public init(_ value: Rational, precision: Int) { self = value }

  /// - Throws: always `notExact`: π is irrational.
  public static func enclosingPi(precision: Int) throws -> Rational {
    throw EvaluationError.notExact("pi is irrational")
  }

  public var knownSign: Int? { signum }

  public func agrees(with other: Rational) -> Bool? { self == other }

  public var positivePart: Rational { signum > 0 ? self : Rational(0) }

  public func inverted() throws -> Rational {
    guard !isZero else { throw EvaluationError.undefined("1/0") }
    return Rational(1) / self
  }

  /// The exact power (see `ExactEvaluator`'s powers: `0^0 = 1`, `8^(-1/3) = 1/2`).
  public func raised(to q: Rational) throws -> Rational {
    try ExactEvaluator(Environment()).power(self, q)
  }

  public func applying(_ f: Transcendental) throws -> Rational {
    switch f {
    case .exp where isZero: return Rational(1)
    case .log where signum <= 0: throw EvaluationError.undefined("log(\(self)): log needs a positive argument")
    case .log where self == Rational(1): return Rational(0)
    case .tanh where isZero, .erf where isZero: return Rational(0)
    case .sigmoid where isZero: return Rational(1, 2)
    case .exp, .log, .tanh, .sigmoid, .erf:
      throw EvaluationError.notExact("\(f.rawValue)(\(self)) is irrational (or not known to be rational)")
    }
  }
}
