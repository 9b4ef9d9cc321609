// The rules' names, as certificates write them (`"rule": "sum-count"`) and Docs/Rules.md names
// them: the format's vocabulary, beside its decoding (`Certificate.decodeStep`), not the kernel's,
// which refuses with the rule's name written out and never reads these.

public import ProofKernel

extension Step {
  /// The name of the step's rule (a local rule's own name for `rewrite`).
  public var ruleName: String {
    switch self {
    case .refl: return "refl"
    case .sym: return "sym"
    case .trans: return "trans"
    case .alpha: return "alpha"
    case .cong: return "cong"
    case let .rewrite(_, _, r): return r.name
    case .assume: return "assume"
    case .discharge: return "discharge"
    case .vjpIntro: return "vjp-intro"
    case .chain: return "chain"
    case .chainDef: return "chain-def"
    case .fanOut: return "fan-out"
    }
  }
}

extension Rewrite {
  /// The rule's name in `Docs/Rules.md` and in certificates.
  public var name: String {
    switch self {
    case .ring: return "ring"
    case .sumLinear: return "sum-linear"
    case .sumPrenex: return "sum-prenex"
    case .sumMerge: return "sum-merge"
    case .sumSplit: return "sum-split"
    case .sumGuard: return "sum-guard"
    case .bracketMerge: return "bracket-merge"
    case .sumCases: return "sum-cases"
    case .deltaElim: return "delta-elim"
    case .changeOfVariables: return "change-of-variables"
    case .sumSwap: return "sum-swap"
    case .sumCount: return "sum-count"
    case .zeroExt: return "zero-ext"
    case .unfold: return "unfold"
    case .jvp: return "jvp"
    case .powMerge: return "pow-merge"
    case .powPow: return "pow-pow"
    case .powMul: return "pow-mul"
    case .logExp: return "log-exp"
    case .expLog: return "exp-log"
    case .expAdd: return "exp-add"
    case .sigmoidExp: return "sigmoid-exp"
    case .tanhSigmoid: return "tanh-sigmoid"
    case .geluErf: return "gelu-erf"
    case .logMul: return "log-mul"
    case .logPow: return "log-pow"
    case .stepRelu: return "step-relu"
    case .stepNeg: return "step-neg"
    }
  }
}
