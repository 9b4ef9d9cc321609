internal import Exact
internal import ProofKernel

/// Proves a `grad` or `vjp` of a composed definition by the chain rule, one layer at a time
/// (Docs/Engine.md, "Composition"), instead of normalizing the whole network: each layer's adjoint
/// identity is proved on its own with the layer below as a fresh tensor `u`, the kernel's `chain`
/// rule puts the layer below back in, and the cotangents the layers pass down are then recognised
/// as the statement's own backward definitions, one layer at a time. Proof time and certificate
/// size grow linearly with depth.
struct ChainProof {
  let statement: Statement
  let vjp: VectorJacobianProduct
  /// The derivation, names and proved layers this proof shares with the model's other gradients.
  let shared: Shared
  var builder: ProofBuilder { shared.builder }
  var plan: ChainPlan
  /// The direction of `x` shared by every layer.
  let dx: TensorSymbol
  /// Names in the statement, and those given out since (in this proof and the shared ones).
  var taken: Set<String> {
    get { shared.taken }
    nonmutating set { shared.taken = newValue }
  }
  /// For each seed tensor, bottom layer first: the definition it is the cotangent of, where its
  /// entries sit in the final gradient and the indices they are read at.
  var holes: [(seed: TensorSymbol, definition: Definition, places: [(path: [Int], at: [Affine])])] = []

  /// The proof, or nil when the statement is not a composition (then, and when this strategy
  /// fails, the prover normalizes the whole statement as before).
  static func prove(_ statement: Statement) -> ProofOutcome? {
    guard namesCotangents(statement) else { return nil }
    return try? attempt(statement)
  }

  /// Whether the statement states its gradient through backward definitions: its right side reads
  /// a definition that the differentiated output does not reach. The chain proof recognises each
  /// layer's cotangent as such a definition (`recogniseCotangents`); a right side written with
  /// forward values only (a layer norm's `rstd` and `xhat`) is compared with the composed
  /// gradient, whose bottom layer has unfolded those values, and that comparison fails after the
  /// whole chain was proved. Checked before the attempt, so such a statement costs one proof, not two.
  static func namesCotangents(_ statement: Statement) -> Bool {
    guard case let .vjp(v) = statement.lhs.node else { return false }
    return !ChainPlan.backward(statement.rhs, output: v.output).isEmpty
  }

  /// As `prove`, throwing why the strategy does not apply or failed (nil: not a composition).
  static func attempt(_ statement: Statement) throws -> ProofOutcome? {
    let shared = Shared()
    shared.writesOutUnnamed = false
    guard let proved = try attempt(statement, sharing: shared) else { return nil }
    return ProofOutcome(statement: statement.name, theorem: proved.theorem, steps: StepPruning.pruned(shared.builder.derivation.steps), failure: nil)
  }

  /// The theorem and its step in `shared`'s derivation, or nil when the statement is not a
  /// composition; throws why the strategy failed.
  static func attempt(_ statement: Statement, sharing shared: Shared) throws -> (theorem: Theorem, step: Int)? {
    guard var proof = try composition(statement, sharing: shared) else { return nil }
    // Top-down where the model's chain allows it (steps linear in depth), else bottom-up; not
    // after a refutation (a counterexample to the statement: bottom-up would search again).
    do {
      if let done = try proof.runTopDown() { return done }
    } catch let refuted as ProofFailure {
      if case .different(_, _, .some, _) = refuted { throw refuted }
    } catch {}
    return try proof.run()
  }

  /// The top-down proof alone (`runTopDown`): nil when the statement is not a composition of a
  /// scalar loss; throws why the top-down chain does not apply, or failed.
  static func attemptTopDown(_ statement: Statement, sharing shared: Shared) throws -> (theorem: Theorem, step: Int)? {
    guard var proof = try composition(statement, sharing: shared) else { return nil }
    return try proof.runTopDown()
  }

  /// The proof of `statement` as a composition, or nil when it is not one: its output is a
  /// definition with a dominator of the variable below it.
  private static func composition(_ statement: Statement, sharing shared: Shared) throws -> ChainProof? {
    guard case let .vjp(v) = statement.lhs.node, case let .reference(top, _) = v.output.node else { return nil }
    var plan = ChainPlan(wrt: v.wrt)
    guard !plan.dominators(of: top).isEmpty else { return nil }
    return try ChainProof(statement, v, plan, shared)
  }

  private init(_ statement: Statement, _ v: VectorJacobianProduct, _ plan: ChainPlan, _ shared: Shared) throws {
    self.statement = statement
    self.vjp = v
    self.plan = plan
    self.shared = shared
    var names = Set<String>()
    func collect(_ t: Term) {
      names.formUnion(t.freeIndices)
      switch t.node {
      case let .access(x, _): names.insert(x.name)
      case let .sum(bs, _, _): names.formUnion(bs)
      case let .vjp(w): names.formUnion(w.binders); names.insert(w.wrt.name); if let s = w.seed { names.insert(s.name) }; collect(w.output)
      default: break
      }
      t.children.forEach(collect)
    }
    [statement.lhs, statement.rhs].forEach(collect)
    // The network's definitions are shared by the model's gradients: each is read once per model.
    for d in ChainPlan.reachable(from: [statement.lhs, statement.rhs]) where shared.named.updateValue(d, forKey: ObjectIdentifier(d)) == nil {
      names.insert(d.name); names.formUnion(d.parameters); collect(d.body)
    }
    func collect(_ h: Proposition) {
      switch h {
      case let .equal(a, b): collect(a); collect(b)
      case let .nonZero(t), let .positive(t): collect(t)
      case let .holds(g): names.formUnion(g.indices)
      case let .forAll(bs, _, f): names.formUnion(bs); collect(f)
      }
    }
    statement.assumptions.forEach(collect)
    shared.taken.formUnion(names)
    var direction = "d" + v.wrt.name
    while shared.taken.contains(direction) { direction += "_" }
    shared.taken.insert(direction)
    dx = try TensorSymbol(direction, shape: v.wrt.shape)
  }

  /// A name not used anywhere yet (`c1`, `u2`, ...).
  func fresh(_ prefix: String) -> String {
    while true {
      shared.counter += 1
      let name = "\(prefix)\(shared.counter)"
      if shared.taken.insert(name).inserted { return name }
    }
  }

  /// The whole proof: the composed adjoint identity, the cotangents recognised, the statement's
  /// right side reached, `vjp-intro`, and `discharge` against the stated hypotheses. Returns the
  /// theorem and its step.
  mutating func run() throws -> (theorem: Theorem, step: Int) {
    let composed = try identity(of: vjp.output, binders: vjp.binders, seed: vjp.seed)
    return try finish(try recogniseCotangents(in: composed))
  }

  /// From the composed identity with the cotangents recognised (step `matched`): the statement's
  /// right side reached, `vjp-intro`, and `discharge` against the stated hypotheses.
  mutating func finish(_ matched: Int) throws -> (theorem: Theorem, step: Int) {
    let at = try vjp.at.map { a -> String in
      guard a.terms.count == 1, a.constant == 0, a.terms[0].coefficient == 1, case let .index(n) = a.terms[0].variable else {
        throw ProofFailure.unsupported("a vjp or grad must be read at plain indices")
      }
      return n
    }
    let names = at.map { _ in fresh("c") }
    let indices = try names.map { try Affine.index($0) }
    let g = try statement.rhs.substituting(Dictionary(uniqueKeysWithValues: zip(at, indices)))
    let target = try Term.sum(names, vjp.wrt.shapeGuard(indices), .mul([try .access(dx, indices), g]))
    let equation: Int
    do {
      equation = try builder.apply(.trans(matched, try equal(builder.theorem(matched).rhs, target, in: builder)))
    } catch {
      do {
        // A cotangent recognition did not name: compared with the cotangents written out once.
        guard let unfolded = try unfoldingCotangents(in: target) else { throw error }
        let written = try equal(builder.theorem(matched).rhs, builder.theorem(unfolded).rhs, in: builder)
        equation = try builder.apply(.trans(matched, try builder.apply(.trans(written, try builder.apply(.sym(unfolded))))))
      } catch {
        guard let written = try? writingOutInlined(matched, target) else { throw refutation(of: matched, against: target) ?? error }
        equation = written
      }
    }
    let introduced = try builder.apply(.vjpIntro(equation, at: at))
    let done = try builder.apply(.discharge(introduced, stating: try statement.hypotheses))
    let theorem = builder.theorem(done)
    guard theorem.lhs == statement.lhs, theorem.rhs == statement.rhs else { throw ProofFailure.kernel("not the statement") }
    return (theorem, done)
  }

  /// `⊢ L = target` from step `matched` (`⊢ L = R`) where the statement's right side reads a
  /// block's definitions that a model's forward values have inlined (a layer norm's gain rule reads
  /// `xhat`, its output reads `xhat`'s body, `ModelStatement.inliningDefinitions`), so `R` has them
  /// written out: the target with each definition `R` does not read unfolded (`unfolding`), compared.
  mutating func writingOutInlined(_ matched: Int, _ target: Term) throws -> Int {
    guard shared.writesOutUnnamed, case let .reference(top, _) = vjp.output.node else { throw ProofFailure.unsupported("no definitions inlined") }
    let content = builder.theorem(matched).rhs
    var named = try builder.start(target)
    let backward = Set(ChainPlan.backward(statement.rhs, output: vjp.output).map(ObjectIdentifier.init))
    guard try unfolding(&named, like: content, keeping: [], backward: backward, below: top) else {
      throw ProofFailure.unsupported("the statement reads a value the composed gradient does not")
    }
    let same = try equal(content, named.current, in: builder)
    return try builder.apply(.trans(matched, try builder.apply(.trans(same, try builder.apply(.sym(named.step))))))
  }

  /// A normalizer with definitions kept folded, avoiding every name given out, and holding what
  /// the model's earlier normalizers proved and gave out (`Shared.normalized`): the proofs are
  /// steps of the one derivation, so each is proved once per model rather than once per
  /// comparison. Returned by `keep` when done.
  func normalizer() -> Normalizer {
    var normalizer = Normalizer(avoiding: taken)
    normalizer.unfoldsDefinitions = false
    if shared.sharesNormalization { normalizer.takeOver(&shared.normalized) }
    return normalizer
  }

  /// Keeps the names `normalizer` gave out (never to be given again) and what it proved.
  func keep(_ normalizer: inout Normalizer) {
    taken.formUnion(normalizer.used)
    if shared.sharesNormalization { normalizer.handOver(&shared.normalized) }
  }

  /// `⊢ a = b` with definitions kept folded: both normalized, compared by `ring`; with
  /// `usingHypotheses`, by the stated equations too where `ring` alone does not close it.
  func equal(_ a: Term, _ b: Term, in builder: ProofBuilder, usingHypotheses: Bool = true) throws -> Int {
    var normalizer = self.normalizer()
    defer { keep(&normalizer) }
    let (start, l) = try normalizing(a, &normalizer, in: builder), (end, r) = try normalizing(b, &normalizer, in: builder)
    var left = start, right = end
    if (try? left.apply(.ring(right.current), at: [])) == nil {
      guard usingHypotheses else { throw ProofFailure.unsupported("\(a) and \(b) do not normalize to one form") }
      // The stated equations, as the whole-statement proof uses them: softmax cross-entropy's
      // layer gives `exp(u[o]) * sum(i) target[i] / S - target[o]`, its cotangent is stated
      // with `sum target = 1` (the equation joins the theorem's hypotheses, for `discharge`).
      _ = try Prover.useHypotheses(&left, l, statement, &normalizer)
      _ = try Prover.useHypotheses(&right, r, statement, &normalizer)
      try left.apply(.ring(right.current), at: [])
    }
    return try builder.apply(.trans(left.step, try builder.apply(.sym(right.step))))
  }
}
