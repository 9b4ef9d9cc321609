/// The record of one rule call, so that a proof can be replayed. Premises are the numbers of
/// earlier steps in the same `Derivation`; a position is a path of child numbers into the right side
/// of the premise (see `Term.children`).
public enum Step: Hashable, Sendable {
  case refl(Term)
  case sym(Int)
  case trans(Int, Int)
  case alpha(Int, lhs: Term, rhs: Term)
  /// Rewrites the right side of the first premise at `path` with the equation of the second.
  case cong(Int, path: [Int], by: Int)
  /// Applies a local rule to the subterm at `path` of the premise's right side.
  case rewrite(Int, path: [Int], Rewrite)
  case assume(Proposition, instance: [Affine])
  case discharge(Int, stating: [Proposition])
  case vjpIntro(Int, at: [String])
  /// `chain(outer, inner)` and `fan-out(first, second)` (Rules+Composition.swift).
  case chain(Int, Int)
  /// `chain-def(outer, inner)`: `chain` keeping the inner function and outer gradient as definitions.
  case chainDef(Int, Int)
  case fanOut(Int, Int)

  /// The earlier steps this one names, in the order the kernel asks for them.
  public var premises: [Int] {
    switch self {
    case .refl, .assume: return []
    case let .sym(a), let .alpha(a, _, _), let .rewrite(a, _, _), let .discharge(a, _), let .vjpIntro(a, _): return [a]
    case let .trans(a, b), let .cong(a, _, b), let .chain(a, b), let .chainDef(a, b), let .fanOut(a, b): return [a, b]
    }
  }
}

/// A local rule: from a term `t`, the theorem `Γ ⊢ t = t'`.
public enum Rewrite: Hashable, Sendable {
  case ring(Term)
  case sumLinear, sumPrenex(factor: Int), sumMerge, sumSplit(Int), sumGuard, bracketMerge, sumCases(Affine)
  case deltaElim(String), changeOfVariables(String, to: String, sign: Int, offset: Affine)
  case sumSwap([String]), sumCount(String), zeroExt, unfold, jvp
  case powMerge, powPow, powMul, logExp, expLog, expAdd
  case sigmoidExp, tanhSigmoid, geluErf, logMul, logPow, stepRelu, stepNeg

  func apply(to t: Term) throws -> Theorem {
    switch self {
    case let .ring(target): return try .ring(t, target)
    case .sumLinear: return try .sumLinear(t)
    case let .sumPrenex(k): return try .sumPrenex(t, factor: k)
    case .sumMerge: return try .sumMerge(t)
    case let .sumSplit(k): return try .sumSplit(t, at: k)
    case .sumGuard: return try .sumGuard(t)
    case .bracketMerge: return try .bracketMerge(t)
    case let .sumCases(e): return try .sumCases(t, on: e)
    case let .deltaElim(j): return try .deltaElim(t, index: j)
    case let .changeOfVariables(j, u, s, e): return try .changeOfVariables(t, index: j, to: u, sign: s, offset: e)
    case let .sumSwap(order): return try .sumSwap(t, order: order)
    case let .sumCount(j): return try .sumCount(t, index: j)
    case .zeroExt: return try .zeroExt(t)
    case .unfold: return try .unfold(t)
    case .jvp: return try .jvp(t)
    case .powMerge: return try .powMerge(t)
    case .powPow: return try .powPow(t)
    case .powMul: return try .powMul(t)
    case .logExp: return try .logExp(t)
    case .expLog: return try .expLog(t)
    case .expAdd: return try .expAdd(t)
    case .sigmoidExp: return try .sigmoidExp(t)
    case .tanhSigmoid: return try .tanhSigmoid(t)
    case .geluErf: return try .geluErf(t)
    case .logMul: return try .logMul(t)
    case .logPow: return try .logPow(t)
    case .stepRelu: return try .stepRelu(t)
    case .stepNeg: return try .stepNeg(t)
    }
  }
}

/// A proof: steps and the theorem each produced. Replaying a certificate is building a derivation
/// from its steps; the last theorem is what was proved.
public struct Derivation: Sendable {
  /// The version of the rule set; certificates record it.
  public static let ruleSetVersion = "certify-rules-8"

  public private(set) var steps: [Step] = []
  public private(set) var theorems: [Theorem] = []

  public init() {}

  /// Runs `step` through the kernel and records it.
  /// - Returns: the number of the step (for later premises).
  @discardableResult
  public mutating func apply(_ step: Step) throws -> Int {
    let theorem = try Self.conclusion(of: step) { k in
      guard theorems.indices.contains(k) else { throw KernelError.ruleMismatch(rule: "premise", reason: "step \(k) is not an earlier step") }
      return theorems[k]
    }
    theorems.append(theorem)
    steps.append(step)
    return theorems.count - 1
  }

  /// The theorem `step` concludes from the theorems `premise` gives for the steps it names: what
  /// `apply` records, for a replay that runs independent steps at once. Whatever `premise` returns
  /// is a theorem, so the conclusion is one (Docs/Rules.md, "A note on replaying in parallel").
  public static func conclusion(of step: Step, premise: (Int) throws -> Theorem) throws -> Theorem {
    switch step {
    case let .refl(t): return .refl(t)
    case let .sym(a): return .sym(try premise(a))
    case let .trans(a, b): return try .trans(premise(a), premise(b))
    case let .alpha(a, l, r): return try .alpha(premise(a), lhs: l, rhs: r)
    case let .cong(a, path, b): return try .cong(premise(a), at: path, by: premise(b))
    case let .rewrite(a, path, r):
      let th = try premise(a)
      return try .cong(th, at: path, by: r.apply(to: th.rhs.subterm(at: path)))
    case let .assume(h, instance): return try .assume(h, instance: instance)
    case let .discharge(a, stated): return try .discharge(premise(a), stating: stated)
    case let .vjpIntro(a, at): return try .vjpIntro(premise(a), at: at)
    case let .chain(a, b): return try .chain(premise(a), premise(b))
    case let .chainDef(a, b): return try .chainDef(premise(a), premise(b))
    case let .fanOut(a, b): return try .fanOut(premise(a), premise(b))
    }
  }
}
