internal import Exact

// Powers and function identities, each with the condition that makes it true.

extension Theorem {
  /// The condition for combining powers with exponents `qs` of `x`: none for natural exponents,
  /// `x != 0` when one is a negative integer, `x > 0` when one is fractional.
  private static func powerCondition(_ x: Term, _ qs: [Rational]) -> [Proposition] {
    if qs.contains(where: { !$0.isInteger }) { return [.positive(x)] }
    if qs.contains(where: { $0.signum < 0 }) { return [.nonZero(x)] }
    return []
  }

  private static func asPower(_ t: Term) -> (Term, Rational) {
    if case let .power(b, q) = t.node { return (b, q) }
    return (t, Rational(1))
  }

  private static func powerTerm(_ x: Term, _ q: Rational) -> Term {
    q.isZero ? .one : q == Rational(1) ? x : .power(x, q)
  }

  /// `pow-merge`: `x^a * x^b = x^(a+b)` (either factor may be `x` itself); `cancel` is the case
  /// `x * x^-1 = 1`, which needs `x != 0`.
  public static func powMerge(_ t: Term) throws -> Theorem {
    guard case let .mul(fs) = t.node, fs.count == 2 else { throw mismatch("pow-merge", t, "a product of two powers") }
    let (x, a) = asPower(fs[0]), (y, b) = asPower(fs[1])
    guard x.isAlphaEquivalent(to: y) else { throw KernelError.ruleMismatch(rule: "pow-merge", reason: "different bases \(x) and \(y)") }
    return Theorem(powerCondition(x, [a, b]), t, powerTerm(x, a + b))
  }

  /// `pow-pow`: `(x^a)^b = x^(a*b)`; `(x^2)^(1/2) = x` needs `x > 0`.
  public static func powPow(_ t: Term) throws -> Theorem {
    guard case let .power(inner, b) = t.node, case let .power(x, a) = inner.node else { throw mismatch("pow-pow", t, "a power of a power") }
    return Theorem(powerCondition(x, [a, b]), t, powerTerm(x, a * b))
  }

  /// `pow-mul`: `(x1 * ... * xn)^a = x1^a * ... * xn^a`.
  public static func powMul(_ t: Term) throws -> Theorem {
    guard case let .power(base, a) = t.node, case let .mul(fs) = base.node else { throw mismatch("pow-mul", t, "a power of a product") }
    let conditions = (a.isInteger && a.signum >= 0) ? [] : fs.flatMap { powerCondition($0, [a]) }
    return Theorem(conditions, t, .mul(fs.map { .power($0, a) }))
  }

  /// `log-exp`: `log(exp(a)) = a`.
  public static func logExp(_ t: Term) throws -> Theorem {
    guard case let .apply(.log, inner) = t.node, case let .apply(.exp, a) = inner.node else { throw mismatch("log-exp", t, "log(exp(a))") }
    return Theorem([], t, a)
  }

  /// `exp-log`: `exp(log(a)) = a`, needing `a > 0`.
  public static func expLog(_ t: Term) throws -> Theorem {
    guard case let .apply(.exp, inner) = t.node, case let .apply(.log, a) = inner.node else { throw mismatch("exp-log", t, "exp(log(a))") }
    return Theorem([.positive(a)], t, a)
  }

  /// `exp-add`: `exp(a1 + ... + an) = exp(a1) * ... * exp(an)`.
  public static func expAdd(_ t: Term) throws -> Theorem {
    guard case let .apply(.exp, inner) = t.node, case let .add(ts) = inner.node else { throw mismatch("exp-add", t, "exp of a sum") }
    return Theorem([], t, .mul(ts.map { .apply(.exp, $0) }))
  }
}
