public import Exact
public import ProofKernel

// The derivatives of the term language's functions, from the mathematics (not from the kernel's
// table, which this evaluator exists to check):
//
//   relu(a) = max(a, 0)        relu'(a) = 1 (a > 0), 0 (a < 0), none at 0
//   step(a) = 1 (a > 0), 0 (a < 0), unspecified at 0          step'(a) = 0 (a != 0)
//   exp' = exp                 log'(a) = 1/a (a > 0)
//   tanh'(a) = sech²(a) = 4 / (e^(2a) + 2 + e^(-2a))
//   sigmoid'(a) = e^(-a) / (1 + e^(-a))² = 1 / (e^a + 2 + e^(-a))
//   erf'(a) = 2/√π e^(-a²)     (the integrand of erf(a) = 2/√π ∫₀ᵃ e^(-t²) dt)
//   gelu(a) = a Φ(a), Φ(a) = (1 + erf(a/√2))/2, so gelu'(a) = Φ(a) + a φ(a) with
//     φ(a) = Φ'(a) = (1/2)(2/√π) e^(-a²/2) / √2 = e^(-a²/2) / √(2π)
//   (a^q)' = q a^(q-1) (a != 0 for a negative integer q, a > 0 for a fractional one)
//
// tanh' and sigmoid' are written through exp, not through tanh and sigmoid themselves, so that a
// wrong entry `tanh' = 1 + tanh²` in the kernel's table cannot be mirrored here by accident.

extension Dual {
  /// `f(self)`: `f(a) + f'(a) a' ε`.
  ///
  /// A constant argument gives a constant (only `f(a)` is computed). For a variable argument the
  /// function must be differentiable at the value: `relu` and `step` at 0 (or, enclosed, at an
  /// interval containing 0) throw `undefined`.
  /// - Throws: `undefined` outside the function's domain or where it is not differentiable;
  ///   `notExact` (rationals) where a value is not a known rational.
  public func applying(_ f: ScalarFunction, precision: Int) throws -> Dual {
    switch f {
    case .relu: return try relu(precision: precision)
    case .step: return try step(precision: precision)
    case .exp:
      let e = try value.applying(.exp)
      return chain(e) { e }
    case .log:
      let l = try value.applying(.log)  // throws unless value > 0
      return try chain(l) { try value.inverted() }
    case .tanh:
      let t = try value.applying(.tanh)
      return try chain(t) {
        let twice = value * Rational(2)
        let coshSquaredTimesFour = try twice.applying(.exp) + (-twice).applying(.exp) + Rational(2)
        return try coshSquaredTimesFour.inverted() * Rational(4)
      }
    case .sigmoid:
      let s = try value.applying(.sigmoid)
      return try chain(s) {
        try (value.applying(.exp) + (-value).applying(.exp) + Rational(2)).inverted()
      }
    case .erf:
      let e = try value.applying(.erf)
      return try chain(e) {
        let inverseSqrtPi = try Scalar.enclosingPi(precision: precision).raised(to: Rational(-1, 2))
        return try (-(value * value)).applying(.exp) * inverseSqrtPi * Rational(2)
      }
    case .gelu: return try gelu(precision: precision)
    }
  }

  /// `self ^ q`, with `(a^q)' = q a^(q-1)`.
  /// - Throws: what `RealScalar.raised(to:)` throws for the value; `undefined` for a variable base
  ///   that is not (certainly) positive under a fractional exponent.
  public func raised(to q: Rational, precision: Int) throws -> Dual {
    let v = try value.raised(to: q)
    return try chain(v) {
      if q.isZero { return Scalar(0, precision: precision) }
      guard q.isInteger || value.knownSign == 1 else {
        throw EvaluationError.undefined("(\(value))^(\(q)) is not differentiable: a fractional power needs a positive base")
      }
      return try value.raised(to: q - Rational(1)) * q
    }
  }

  // MARK: - Piecewise and composite functions

  /// `relu(a) = max(a, 0)`, derivative 1 above 0 and 0 below.
  private func relu(precision: Int) throws -> Dual {
    guard tangent != nil else { return .constant(value.positivePart) }
    switch value.knownSign {
    case 1: return self
    case -1: return Dual(Scalar(0, precision: precision), tangent: Scalar(0, precision: precision))
    case 0: throw EvaluationError.undefined("relu is not differentiable at 0")
    default: throw EvaluationError.undefined("relu is not differentiable at 0, which \(value) contains")
    }
  }

  /// `step(a)`: 1 above 0, 0 below, derivative 0; at 0 its value is unspecified.
  private func step(precision: Int) throws -> Dual {
    guard let sign = value.knownSign, sign != 0 else {
      throw EvaluationError.undefined("step(\(value)): step is unspecified and not differentiable at 0")
    }
    let zero = Scalar(0, precision: precision)
    return Dual(Scalar(sign > 0 ? 1 : 0, precision: precision), tangent: tangent.map { _ in zero })
  }

  /// `gelu(a) = a Φ(a)`, `gelu'(a) = Φ(a) + a φ(a)` (see the table above).
  private func gelu(precision: Int) throws -> Dual {
    // At 0 both are rational, gelu(0) = 0 and gelu'(0) = Φ(0) = 1/2, though the general formula
    // needs √2 and π: say so, so that exact evaluation succeeds there.
    if value.isKnownZero { return chain(value) { Scalar(Rational(1, 2), precision: precision) } }
    let inverseSqrtTwo = try Scalar(2, precision: precision).raised(to: Rational(-1, 2))
    let cdf = (try (value * inverseSqrtTwo).applying(.erf) + Rational(1)) * Rational(1, 2)
    return try chain(value * cdf) {
      let inverseSqrtTwoPi = try (Scalar.enclosingPi(precision: precision) * Rational(2)).raised(to: Rational(-1, 2))
      let density = try (value * value * Rational(-1, 2)).applying(.exp) * inverseSqrtTwoPi
      return cdf + value * density
    }
  }

  /// `f + f' a' ε` for the function value `f`; `fPrime` (the derivative at the value) is computed
  /// only for a variable.
  private func chain(_ f: Scalar, _ fPrime: () throws -> Scalar) rethrows -> Dual {
    guard let t = tangent else { return .constant(f) }
    return Dual(f, tangent: try fPrime() * t)
  }
}
