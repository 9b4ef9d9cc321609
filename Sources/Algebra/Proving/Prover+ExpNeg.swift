internal import Exact
internal import ProofKernel

// `exp(-a) = exp(a)^-1`, which textbooks use to write the sigmoid as `1 / (1 + exp(-x))`. The
// kernel has no such rule, and needs none: it follows from `log-mul`, `exp-log`, `exp-add` and
// `pow-merge`, each with its condition (`1 > 0`, `exp(a) != 0`), which positivity discharges.

extension Prover {
  /// Whether `t` is `exp(s)` with `s` one term whose coefficient is negative (`exp((-1) * z)`).
  static func isNegativeExp(_ t: Term) -> Bool {
    guard case let .apply(.exp, a) = t.node else { return false }
    if case .add = a.node { return false }
    return IdentityTier.leadsNegative(a)
  }

  /// `(-1) * a` for one term `a` with a leading constant, written without the double sign.
  private static func negated(_ a: Term) -> Term {
    switch a.node {
    case let .constant(c): return .constant(Rational(0) - c)
    case let .mul(fs):
      if case let .constant(c) = fs.first?.node {
        let rest = Array(fs.dropFirst())
        let minus = Rational(0) - c
        return minus == Rational(1) ? .mul(rest) : .mul([.constant(minus)] + rest)
      }
      return .mul([.integer(-1), a])
    default: return .mul([.integer(-1), a])
    }
  }

  /// `⊢ exp(0) = 1`: `log(1) = log(1 * 1) = log(1) + log(1)` gives `log(1) = 0`, and
  /// `exp(0) = exp(log(1)) = 1`.
  private static func expOfZero(_ builder: ProofBuilder) throws -> Int {
    let log1 = Term.apply(.log, .one)
    var doubled = try builder.start(log1)
    try doubled.ring(at: [0], to: .mul([.one, .one]))
    try doubled.apply(.logMul, at: [])  // log(1) = log(1) + log(1)
    var zero = try builder.start(log1)
    try zero.ring(at: [], to: .add([.add([log1, log1]), .mul([.integer(-1), log1])]))
    try zero.rewrite(at: [0], by: try builder.apply(.sym(doubled.step)))
    try zero.ring(at: [], to: .zero)  // log(1) = 0
    var e = try builder.start(.apply(.exp, .zero))
    try e.rewrite(at: [0], by: try builder.apply(.sym(zero.step)))
    try e.apply(.expLog, at: [])
    return e.step
  }

  /// `⊢ exp(a) = exp(-a)^-1` for the `exp(a)` at `path`, rewritten there.
  static func rewriteNegativeExp(_ chain: inout Chain, at path: [Int]) throws {
    guard case let .apply(.exp, a) = try chain.subterm(at: path).node else { return }
    let builder = chain.builder
    let b = negated(a)
    let (ea, eb) = (Term.apply(.exp, a), Term.apply(.exp, b))
    let inverse = Term.power(eb, Rational(-1))
    // 1 = exp(b)^-1 * exp(b)
    var merge = try builder.start(.mul([inverse, eb]))
    try merge.apply(.powMerge, at: [])
    // exp(a) * exp(b) = exp(a + b)
    var add = try builder.start(.apply(.exp, .add([a, b])))
    try add.apply(.expAdd, at: [])
    var g = try builder.start(ea)
    try g.ring(at: [], to: .mul([ea, .one]))
    try g.rewrite(at: [1], by: try builder.apply(.sym(merge.step)))
    try g.ring(at: [], to: .mul([inverse, .mul([ea, eb])]))
    try g.rewrite(at: [1], by: try builder.apply(.sym(add.step)))
    try g.ring(at: [1, 0], to: .zero)
    try g.rewrite(at: [1], by: try expOfZero(builder))
    try g.ring(at: [], to: inverse)
    try chain.rewrite(at: path, by: g.step)
  }
}

// `exp(c * a) = exp(a)^c` for a whole c >= 2 (`exp-add` on `a + ... + a`), so `exp(2x)`, which
// `tanh-sigmoid` writes, meets the `exp(x)` of tanh written as `(e^x - e^-x) / (e^x + e^-x)`.
extension Prover {
  static let expMultipleLimit = 8

  /// `(c, a)` when `t` is `exp(c * a)` with a whole `c` in `2...expMultipleLimit`.
  static func expMultiple(_ t: Term) -> (Int, Term)? {
    guard case let .apply(.exp, argument) = t.node, case let .mul(fs) = argument.node, fs.count >= 2,
          case let .constant(c) = fs[0].node, c.isInteger, let k = Int(exactly: c.numerator),
          (2...expMultipleLimit).contains(k) else { return nil }
    return (k, .mul(Array(fs.dropFirst())))
  }

  static func rewriteExpMultiple(_ chain: inout Chain, at path: [Int]) throws {
    guard let (k, a) = expMultiple(try chain.subterm(at: path)) else { return }
    var g = try chain.builder.start(try chain.subterm(at: path))
    try g.ring(at: [0], to: .add(Array(repeating: a, count: k)))
    try g.apply(.expAdd, at: [])
    try g.ring(at: [], to: .power(.apply(.exp, a), Rational(k)))
    try chain.rewrite(at: path, by: g.step)
  }
}
