internal import Exact

/// The scalar functions with derivative rules. The table below is part of what is trusted: it is
/// compiled in and versioned, and changing any entry changes `FunctionTable.version`.
public enum ScalarFunction: String, CaseIterable, Hashable, Sendable {
  case relu, step, exp, log, tanh, sigmoid, erf, gelu
}

public enum FunctionTable {
  /// Recorded in every certificate; bump on any change to `derivative(of:at:)`.
  public static let version = "certify-functions-1"

  /// `f'(a)` and the condition under which `f` is differentiable at `a` (nil: everywhere).
  ///
  /// relu' = step (a != 0); step' = 0 (a != 0); exp' = exp; log' = a^-1 (a > 0); tanh' = 1 - tanh^2;
  /// sigmoid' = sigmoid (1 - sigmoid); erf' = 2 pi^(-1/2) exp(-a^2); gelu(a) = a Phi(a) with
  /// Phi(a) = (1 + erf(a 2^(-1/2)))/2, gelu' = Phi(a) + a exp(-a^2/2) 2^(-1/2) pi^(-1/2).
  public static func derivative(of f: ScalarFunction, at a: Term) -> (Term, Proposition?) {
    let pi = Term(.named("pi"))
    let minusOne = Term.integer(-1)
    switch f {
    case .relu: return (.apply(.step, a), .nonZero(a))
    case .step: return (.zero, .nonZero(a))
    case .exp: return (.apply(.exp, a), nil)
    case .log: return (.power(a, Rational(-1)), .positive(a))
    case .tanh: return (.add([.one, .mul([minusOne, .power(.apply(.tanh, a), Rational(2))])]), nil)
    case .sigmoid: return (.mul([.apply(.sigmoid, a), .add([.one, .mul([minusOne, .apply(.sigmoid, a)])])]), nil)
    case .erf:
      return (.mul([.integer(2), .power(pi, Rational(-1, 2)), .apply(.exp, .mul([minusOne, .power(a, Rational(2))]))]), nil)
    case .gelu:
      let invSqrt2 = Term.power(.integer(2), Rational(-1, 2))
      let cdf = Term.mul([.constant(Rational(1, 2)), .add([.one, .apply(.erf, .mul([a, invSqrt2]))])])
      let pdf = Term.mul([.apply(.exp, .mul([.constant(Rational(-1, 2)), .power(a, Rational(2))])), invSqrt2, .power(pi, Rational(-1, 2))])
      return (.add([cdf, .mul([a, pdf])]), nil)
    }
  }
}

extension Theorem {
  /// `jvp`: `Γ ⊢ D t [x := dx] = t'`, with `t'` free of `D`, computed by the derivative rules
  /// d-const (a term that does not depend on `x`, definitions included, has derivative 0), d-var
  /// (`D x[e] = dx[e]`), d-add, d-mul (Leibniz), d-sum (into a finite sum; conditions found under it
  /// are required for every index of the sum), d-pow (`D a^q = q a^(q-1) D a`, needing `a != 0` for
  /// a negative integer `q` and `a > 0` for a fractional one), d-fn (the function table) and d-def
  /// (a definition that depends on `x` is unfolded). `Γ` collects the conditions: under them `t` is
  /// differentiable in `x` and `t'` is its derivative along `dx`.
  public static func jvp(_ t: Term) throws -> Theorem {
    guard case let .derivative(body, x, dx) = t.node else { throw KernelError.ruleMismatch(rule: "jvp", reason: "\(t) is not D t [x := dx]") }
    var conditions: [Proposition] = []
    let result = try derivative(body, x, dx, &conditions)
    return Theorem(conditions, t, result)
  }

  private static func derivative(_ t: Term, _ x: TensorSymbol, _ dx: TensorSymbol, _ conditions: inout [Proposition]) throws -> Term {
    if !t.dependsOn(x) { return .zero }  // d-const
    switch t.node {
    case let .access(_, idx): return try .access(dx, idx)  // d-var (dependsOn: the tensor is x)
    case let .add(ts): return .add(try ts.map { try derivative($0, x, dx, &conditions) })
    case let .mul(fs):
      var terms: [Term] = []
      for k in fs.indices where fs[k].dependsOn(x) {
        var factors = fs
        factors[k] = try derivative(fs[k], x, dx, &conditions)
        terms.append(.mul(factors))
      }
      return .add(terms)
    case let .sum(bs, g, body):
      var inner: [Proposition] = []
      let d = try derivative(body, x, dx, &inner)
      conditions += try inner.map { try quantify($0, over: bs, guard: g) }
      return try .sum(bs, g, d)
    case let .power(a, q):
      if q.isZero { return .zero }
      if !q.isInteger { conditions.append(.positive(a)) } else if q.signum < 0 { conditions.append(.nonZero(a)) }
      return .mul([.constant(q), .power(a, q - Rational(1)), try derivative(a, x, dx, &conditions)])
    case let .apply(f, a):
      let (fPrime, condition) = FunctionTable.derivative(of: f, at: a)
      if let condition { conditions.append(condition) }
      return .mul([fPrime, try derivative(a, x, dx, &conditions)])
    case .reference:
      return try derivative(unfold(t).rhs, x, dx, &conditions)
    case .derivative, .vjp:
      throw KernelError.ruleMismatch(rule: "jvp", reason: "nested derivatives are not supported: \(t)")
    case .constant, .dimension, .named, .bracket:
      return .zero
    }
  }
}
