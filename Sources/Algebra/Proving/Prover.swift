internal import Exact
public import ProofKernel

/// The outcome of proving one statement.
public struct ProofOutcome: Sendable {
  public var statement: String
  /// The theorem the kernel produced, exactly the statement (nil when the proof failed).
  public var theorem: Theorem?
  /// The recorded steps (a certificate's trace); also for a failed proof, as far as it went.
  public var steps: [Step]
  public var failure: ProofFailure?
  public var proved: Bool { theorem != nil }
}

/// Why a proof failed.
public enum ProofFailure: Error, Sendable, CustomStringConvertible {
  /// The two sides have different normal forms; `counterexample` is set when a search found one.
  case different(lhs: String, rhs: String, counterexample: Counterexample?, missing: String?)
  /// A hypothesis the proof needs is neither stated nor provable (named).
  case missingHypothesis(String)
  case unsupported(String)
  case kernel(String)

  public var description: String {
    switch self {
    case let .different(lhs, rhs, counterexample, missing):
      // "Differ" only with a counterexample, which is evaluated with the real functions; otherwise
      // the engine found no proof, which is not a refutation.
      var s = counterexample == nil
        ? "not proved: the normal forms differ, and no point where the sides differ was found:\n  left:  \(lhs)\n  right: \(rhs)"
        : "the two sides differ:\n  left:  \(lhs)\n  right: \(rhs)"
      if let missing { s += "\n  the difference vanishes under the assumption \(missing), which is not stated" }
      if let counterexample { s += "\n  counterexample: \(counterexample)" }
      return s
    case let .missingHypothesis(h):
      // `a != b` (not `a - b != 0`) is how the engine prints a kink of relu(a - b): the tie of a
      // max or min of `a` and `b`.
      guard h.contains(" != "), !h.hasSuffix(" != 0") else { return "missing assumption: \(h)" }
      return "missing assumption: \(h)\n  (a max or min of these two, or a relu of their difference, has no derivative "
        + "where they are equal: assume that they differ)"
    case let .unsupported(what): return what
    case let .kernel(why): return "kernel: \(why)"
    }
  }
}

/// Proves statements: both sides to normal form, compared by `ring`; `vjp` and `grad` through the
/// adjoint identity and `vjp-intro`; finally the kernel's `discharge` against the stated hypotheses.
public enum Prover {
  public static func prove(_ statement: Statement) -> ProofOutcome {
    // Keys are remembered for one proof: another statement's terms would only crowd the table.
    KeyCache.shared.clear()
    // A gradient of a composed definition: layer by layer by the chain rule, when that succeeds.
    if let composed = ChainProof.prove(statement) { return composed }
    let outcome = prove(statement, foldingPowers: true)
    // Folding a power of a power records a condition (`s != 0`); where that cannot be discharged,
    // the powers may still match as they are written.
    let folds: (Step) -> Bool = { step in
      switch step {
      case .rewrite(_, _, .powPow), .rewrite(_, _, .powMerge), .rewrite(_, _, .powMul): return true
      default: return false
      }
    }
    guard !outcome.proved, outcome.steps.contains(where: folds) else { return outcome }
    let plain = prove(statement, foldingPowers: false)
    return plain.proved ? plain : outcome
  }

  static func prove(_ statement: Statement, foldingPowers: Bool) -> ProofOutcome {
    let builder = ProofBuilder()
    do {
      let theorem = try proveOrThrow(statement, builder, foldingPowers: foldingPowers)
      return ProofOutcome(statement: statement.name, theorem: theorem, steps: StepPruning.pruned(builder.derivation.steps), failure: nil)
    } catch let failure as ProofFailure {
      return ProofOutcome(statement: statement.name, theorem: nil, steps: builder.derivation.steps, failure: failure)
    } catch let error as NormalizationError {
      return ProofOutcome(statement: statement.name, theorem: nil, steps: builder.derivation.steps, failure: .unsupported(error.description))
    } catch let error as KernelError {
      return ProofOutcome(statement: statement.name, theorem: nil, steps: builder.derivation.steps, failure: .kernel(error.description))
    } catch {
      return ProofOutcome(statement: statement.name, theorem: nil, steps: builder.derivation.steps, failure: .kernel("\(error)"))
    }
  }

  static func proveOrThrow(_ statement: Statement, _ builder: ProofBuilder, foldingPowers: Bool = true) throws -> Theorem {
    var normalizer = Normalizer(avoiding: names(in: [statement.lhs, statement.rhs]), foldsPowers: foldingPowers)
    let equation: Int
    if case let .vjp(v) = statement.lhs.node {
      equation = try adjointIdentity(v, statement, builder, &normalizer)
    } else {
      equation = try equal(statement.lhs, statement.rhs, statement, builder, &normalizer)
    }
    let stated = try statement.hypotheses
    let done: Int
    do {
      done = try builder.apply(.discharge(equation, stating: stated))
    } catch let KernelError.undischarged(_, hypothesis) {
      // The kernel names the hypothesis in its own printing; the user reads the theorem language.
      let h = builder.theorem(equation).hypotheses.first { $0.description == hypothesis }
      throw ProofFailure.missingHypothesis(h.map(TermPrinter.assumptionText) ?? hypothesis)
    }
    let theorem = builder.theorem(done)
    guard theorem.lhs == statement.lhs, theorem.rhs == statement.rhs else {
      throw ProofFailure.kernel("the proved theorem \(theorem) is not the statement")
    }
    return theorem
  }

  /// `⊢ lhs = rhs` by normalizing both sides; its step number.
  static func equal(_ lhs: Term, _ rhs: Term, _ statement: Statement, _ builder: ProofBuilder, _ normalizer: inout Normalizer,
                    direction: TensorSymbol? = nil, seed: TensorSymbol? = nil) throws -> Int {
    var left = try builder.start(lhs)
    var right = try builder.start(rhs)
    try usePositiveForms(&left, statement, &normalizer)
    var l = try meetPowers(&left, try normalizer.normalize(&left, at: []), &normalizer)
    var r = try meetPowers(&right, try normalizer.normalize(&right, at: []), &normalizer)
    if direction != nil {
      // Both sides, so that a `sigmoid(-a)` written on both still meets itself.
      if let undone = try undoPositiveForms(&left, statement, &normalizer) { l = undone }
      if let undone = try undoPositiveForms(&right, statement, &normalizer) { r = undone }
    }
    if let dx = direction {
      l = try straighten(&left, l, along: dx, keeping: seed, &normalizer)
      r = try straighten(&right, r, along: dx, keeping: seed, &normalizer)
    }
    var closed = (try? left.apply(.ring(right.current), at: [])) != nil
    if !closed {
      l = try useHypotheses(&left, l, statement, &normalizer)
      r = try useHypotheses(&right, r, statement, &normalizer)
      closed = (try? left.apply(.ring(right.current), at: [])) != nil
    }
    // Identities between functions and common denominators; the failure shows the forms before.
    var (l1, r1) = (l, r)
    if !closed {
      let (savedLeft, savedRight) = (left, right)
      closed = try rewriteFurther(&left, &l1, &right, &r1, statement, direction: direction, seed: seed, &normalizer)
      // Sums split where the other side's guards differ by one inequality (`Prover+Cases.swift`),
      // from the forms before the identities, and the rest tried again.
      if !closed, let (splitLeft, splitRight) = (try? closeBySplitting(savedLeft, l, savedRight, r, statement, direction: direction, seed: seed,
                                                                       &normalizer)) ?? nil {
        (left, right, closed) = (splitLeft, splitRight, true)
      }
    }
    guard closed else { throw try Diagnosis.difference(l, r, statement: statement, rewritten: (l1, r1)) }
    return try builder.apply(.trans(left.step, try builder.apply(.sym(right.step))))
  }

  /// Identities between functions, condition-free ones first, then rational functions over common
  /// denominators (`Prover+Denominators.swift`): each side over its own denominators, then, if the
  /// forms still differ, over those of both sides. True when the sides met.
  static func rewriteFurther(_ left: inout Chain, _ l1: inout [Monomial], _ right: inout Chain, _ r1: inout [Monomial], _ statement: Statement,
                             direction: TensorSymbol?, seed: TensorSymbol?, _ normalizer: inout Normalizer) throws -> Bool {
    var closed = false
    for tier in IdentityTier.allCases where !closed {
      let changedLeft = try applyIdentities(&left, tier, &normalizer), changedRight = try applyIdentities(&right, tier, &normalizer)
      guard changedLeft != nil || changedRight != nil else { continue }
      (l1, r1) = (changedLeft ?? l1, changedRight ?? r1)
      closed = try settle(&left, &l1, &right, &r1, statement, direction: direction, seed: seed, &normalizer)
    }
    for shared in [false, true] where !closed {
      guard let (l2, r2) = try commonDenominators(&left, l1, &right, r1, &normalizer, shared: shared) else { continue }
      (l1, r1) = (l2, r2)
      // A log whose argument was brought over a denominator is a log of a product now.
      l1 = try applyIdentities(&left, .conditional, &normalizer) ?? l1
      r1 = try applyIdentities(&right, .conditional, &normalizer) ?? r1
      closed = try settle(&left, &l1, &right, &r1, statement, direction: direction, seed: seed, &normalizer)
    }
    return closed
  }

  /// After both sides were rewritten: each straightened along the direction, the hypotheses used,
  /// and the sides compared by `ring`. True when they met.
  static func settle(_ left: inout Chain, _ l: inout [Monomial], _ right: inout Chain, _ r: inout [Monomial], _ statement: Statement,
                             direction: TensorSymbol?, seed: TensorSymbol?, _ normalizer: inout Normalizer) throws -> Bool {
    if let dx = direction {
      l = try straighten(&left, l, along: dx, keeping: seed, &normalizer)
      r = try straighten(&right, r, along: dx, keeping: seed, &normalizer)
    }
    l = try useHypotheses(&left, l, statement, &normalizer)
    r = try useHypotheses(&right, r, statement, &normalizer)
    return (try? left.apply(.ring(right.current), at: [])) != nil
  }

  /// For `vjp(o: S -> y, x, dy)[i] = g`: proves
  /// `sum(o: S) dy[o] * D y [x := dx] = sum(i': shape x) dx[i'] * g[i := i']` and introduces the vjp.
  static func adjointIdentity(_ v: VectorJacobianProduct, _ statement: Statement, _ builder: ProofBuilder, _ normalizer: inout Normalizer) throws -> Int {
    let at = try v.at.map { a -> String in
      guard a.terms.count == 1, a.constant == 0, a.terms[0].coefficient == 1, case let .index(n) = a.terms[0].variable else {
        throw ProofFailure.unsupported("a vjp or grad must be read at plain indices, not \(v.at)")
      }
      return n
    }
    // The identity reads the right side at a fresh index; where the output mentions the index the
    // vjp is read at (a diagonal, `grad(x[i]^2, x)[i]`), the right side is only the diagonal entry.
    if let clash = at.first(where: v.output.freeIndices.subtracting(v.binders).contains) {
      throw ProofFailure.unsupported(
        "the gradient is read at '\(clash)', which the function differentiated also mentions; state it at a new index k "
          + "and write the diagonal with delta(k, \(clash)), e.g. grad(x[\(clash)] ^ 2, x)[k] = 2 * x[k] * delta(k, \(clash))")
    }
    let tensors = tensorNames(in: [statement.lhs, statement.rhs])
    var directionName = "d" + v.wrt.name
    while tensors.contains(directionName) { directionName += "_" }
    let dx = try TensorSymbol(directionName, shape: v.wrt.shape)
    let derivative = try Term.derivative(v.output, v.wrt, along: dx)
    let lhs: Term
    if let seed = v.seed {
      let os = try v.binders.map { try Affine.index($0) }
      lhs = try .sum(v.binders, seed.shapeGuard(os), .mul([try .access(seed, os), derivative]))
    } else {
      lhs = derivative
    }
    let fresh = at.map { _ in normalizer.fresh() }
    let freshIndices = try fresh.map { try Affine.index($0) }
    let g = try statement.rhs.substituting(Dictionary(uniqueKeysWithValues: zip(at, freshIndices)))
    let rhs = try Term.sum(fresh, v.wrt.shapeGuard(freshIndices), .mul([try .access(dx, freshIndices), g]))
    let identity = try equal(lhs, rhs, statement, builder, &normalizer, direction: dx, seed: v.seed)
    return try builder.apply(.vjpIntro(identity, at: at))
  }

  /// The index names in `terms`, definitions' bodies included. Each definition is walked once:
  /// a residual stack reaches its lower blocks by two paths per block, so walking every path
  /// takes time exponential in its depth.
  /// Every index a node's `freeIndices` would name is written in an access, a reference, a
  /// bracket, a sum's guard or a vjp's `at`, so those are read directly: asking every node for its
  /// `freeIndices` walks each subterm once per enclosing node (quadratic in the nesting, which
  /// nested `max` makes deep).
  static func names(in terms: [Term]) -> Set<String> {
    var out = Set<String>(), seen = Set<ObjectIdentifier>()
    func walk(_ t: Term) {
      switch t.node {
      case let .access(_, idx): for a in idx { out.formUnion(a.indices) }
      case let .reference(d, idx):
        for a in idx { out.formUnion(a.indices) }
        if seen.insert(ObjectIdentifier(d)).inserted { out.formUnion(d.parameters); walk(d.body) }
      case let .bracket(g): out.formUnion(g.indices)
      case let .sum(bs, g, _): out.formUnion(bs); out.formUnion(g.indices)
      case let .vjp(v):
        out.formUnion(v.binders)
        for a in v.at { out.formUnion(a.indices) }
        walk(v.output)
      default: break
      }
      t.children.forEach(walk)
    }
    terms.forEach(walk)
    return out
  }

  /// The tensor names in `terms`, definitions' bodies included (each walked once, as `names(in:)`).
  static func tensorNames(in terms: [Term]) -> Set<String> {
    var out = Set<String>(), seen = Set<ObjectIdentifier>()
    func walk(_ t: Term) {
      switch t.node {
      case let .access(x, _): out.insert(x.name)
      case let .reference(d, _): if seen.insert(ObjectIdentifier(d)).inserted { walk(d.body) }
      case let .vjp(v): out.insert(v.wrt.name); if let s = v.seed { out.insert(s.name) }; walk(v.output)
      case let .derivative(_, x, dx): out.insert(x.name); out.insert(dx.name)
      default: break
      }
      t.children.forEach(walk)
    }
    terms.forEach(walk)
    return out
  }
}
