internal import Exact
internal import ProofKernel

extension ExactEvaluator {
  /// `f(a)`, exact (see the type's documentation).
  /// - Throws: `undefined` for `log` of a non-positive number; `notExact` for a transcendental
  ///   function where its value is irrational, unless the environment asks for uninterpreted values.
  func apply(_ f: ScalarFunction, _ a: Rational) throws -> Rational {
    switch f {
    case .relu: return a.signum > 0 ? a : Rational(0)
    case .step: return a.signum > 0 ? Rational(1) : Rational(0)  // 0 at 0: see the type's documentation
    case .exp where a.isZero: return Rational(1)
    case .log where a.signum <= 0: throw EvaluationError.undefined("log(\(a)): log needs a positive argument")
    case .log where a == Rational(1): return Rational(0)
    case .tanh where a.isZero, .erf where a.isZero, .gelu where a.isZero: return Rational(0)
    case .sigmoid where a.isZero: return Rational(1, 2)
    case .exp, .log, .tanh, .sigmoid, .erf, .gelu:
      guard environment.uninterpretedFunctions else {
        throw EvaluationError.notExact("\(f.rawValue)(\(a)) is irrational (or not known to be rational)")
      }
      return uninterpretedValue(f, a)
    }
  }

  /// A pseudo-random rational standing for `f(a)`, fixed by `f`, `a` and the environment's
  /// `functionSeed` (the same argument always gets the same value), for the Schwartz–Zippel check.
  ///
  /// The value keeps the signs the kernel's positivity check and the side conditions rely on: with
  /// `u` drawn from `(0, 1)` in steps of `2^-20`, `exp(a)` is `1 + 8u` for `a > 0` and `u` for
  /// `a < 0` (positive, on the right side of 1); `log(a)` is `8u` for `a > 1` and `-8u` below 1;
  /// `tanh` and `erf` are `u` or `-u` with the sign of `a`; `sigmoid(a)` is `(1 + u)/2` or `u/2`;
  /// `gelu(a)` is `a` times that sigmoid value. Identities between functions (`log(exp(a)) = a`) do
  /// not hold for these values: they test identities that hold for every interpretation.
  func uninterpretedValue(_ f: ScalarFunction, _ a: Rational) -> Rational {
    var hash = StableHash()
    hash.combine(environment.functionSeed)
    hash.combine(f.rawValue)
    hash.combine(a.description)
    let scale = 1 << 20
    let u = Rational(Int(hash.value % UInt64(scale - 1)) + 1, scale)
    let positive = a.signum > 0
    switch f {
    case .exp: return positive ? Rational(1) + Rational(8) * u : u
    case .log: return a > Rational(1) ? Rational(8) * u : -(Rational(8) * u)
    case .tanh, .erf: return positive ? u : -u
    case .sigmoid: return positive ? (Rational(1) + u) / Rational(2) : u / Rational(2)
    case .gelu: return a * (positive ? (Rational(1) + u) / Rational(2) : u / Rational(2))
    case .relu, .step: preconditionFailure("\(f.rawValue) is exact everywhere")
    }
  }
}
