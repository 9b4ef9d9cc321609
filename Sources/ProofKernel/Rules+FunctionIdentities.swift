internal import Exact

// Identities between the table's functions, each with the condition that makes it true for every
// value, including the unspecified ones (`step(0)`, `log` of a non-positive number).

extension Theorem {
  /// The refusal of a rule whose term `t` does not have the form it rewrites (`expected`).
  static func mismatch(_ rule: String, _ t: Term, _ expected: String) -> KernelError {
    KernelError.ruleMismatch(rule: rule, reason: "\(t) is not \(expected)")
  }

  /// `sigmoid-exp`: `sigmoid(a) = exp(a) * (1 + exp(a))^(-1)`.
  public static func sigmoidExp(_ t: Term) throws -> Theorem {
    guard case let .apply(.sigmoid, a) = t.node else { throw mismatch("sigmoid-exp", t, "sigmoid(a)") }
    let e = Term.apply(.exp, a)
    return Theorem([], t, .mul([e, .power(.add([.one, e]), Rational(-1))]))
  }

  /// `tanh-sigmoid`: `tanh(a) = 2 * sigmoid(2 * a) + (-1)`.
  public static func tanhSigmoid(_ t: Term) throws -> Theorem {
    guard case let .apply(.tanh, a) = t.node else { throw mismatch("tanh-sigmoid", t, "tanh(a)") }
    return Theorem([], t, .add([.mul([.integer(2), .apply(.sigmoid, .mul([.integer(2), a]))]), .integer(-1)]))
  }

  /// `gelu-erf`: `gelu(a) = (1/2) * a * (1 + erf(a * 2^(-1/2)))`, gelu's definition.
  public static func geluErf(_ t: Term) throws -> Theorem {
    guard case let .apply(.gelu, a) = t.node else { throw mismatch("gelu-erf", t, "gelu(a)") }
    let erf = Term.apply(.erf, .mul([a, .power(.integer(2), Rational(-1, 2))]))
    return Theorem([], t, .mul([.constant(Rational(1, 2)), a, .add([.one, erf])]))
  }

  /// `log-mul`: `log(a1 * ... * an) = log(a1) + ... + log(an)`, needing every `ai > 0`.
  public static func logMul(_ t: Term) throws -> Theorem {
    guard case let .apply(.log, inner) = t.node, case let .mul(fs) = inner.node else { throw mismatch("log-mul", t, "log of a product") }
    return Theorem(fs.map { .positive($0) }, t, .add(fs.map { .apply(.log, $0) }))
  }

  /// `log-pow`: `log(a^q) = q * log(a)`, needing `a > 0`.
  public static func logPow(_ t: Term) throws -> Theorem {
    guard case let .apply(.log, inner) = t.node, case let .power(a, q) = inner.node else { throw mismatch("log-pow", t, "log of a power") }
    return Theorem([.positive(a)], t, .mul([.constant(q), .apply(.log, a)]))
  }

  /// `step-relu`: `step(relu(a)) = step(a)`, needing `a > 0`. Not `a != 0`: at `a < 0` the left
  /// side is `step(0)`, which is unspecified, and the right side is 0.
  public static func stepRelu(_ t: Term) throws -> Theorem {
    guard case let .apply(.step, inner) = t.node, case let .apply(.relu, a) = inner.node else { throw mismatch("step-relu", t, "step(relu(a))") }
    return Theorem([.positive(a)], t, .apply(.step, a))
  }

  /// `step-neg`: `step(a) = 1 + (-1) * step((-1) * a)`, needing `a != 0`.
  public static func stepNeg(_ t: Term) throws -> Theorem {
    guard case let .apply(.step, a) = t.node else { throw mismatch("step-neg", t, "step(a)") }
    return Theorem([.nonZero(a)], t, .add([.one, .mul([.integer(-1), .apply(.step, .mul([.integer(-1), a]))])]))
  }
}
