// Composition: the chain rule for vector-Jacobian products and fan-out (cotangents add), so that
// a composed function's adjoint identity is built from its parts' without normalizing the whole.

extension Theorem {
  /// `chain`: from the outer identity (a function `ŷ` of the tensor `u`, with seed `dz` or none)
  ///
  ///     Γ1 ⊢ SD(ŷ, dz; u := du) = sum(j)[shape u] du[j] * G(j)
  ///
  /// and the inner one (a function `U(j')` of `x` over the shape of `u`, with a seed `dv`)
  ///
  ///     Γ2 ⊢ sum(j')[shape dv] dv[j'] * D U(j') [x := dx] = sum(i)[shape x] dx[i] * H(i)
  ///
  /// conclude `Γ1σ ∪ Γ2τ ⊢ SD(ŷσ, dz; x := dx) = sum(i)[shape x] dx[i] * Hτ(i)`, where
  /// `σ = u := (j' -> U)` and `τ = dv := (j -> Gσ)` (`TensorInstance`: zero outside the shape).
  /// Checked: `dv` has the shape of `u`; `u, du, dz, x, dx, dv` are distinct; `ŷ` does not mention
  /// `x`; `du` and `dz` occur in neither `ŷ` nor `Γ1`, `du` not in `G`; `dv` and `dx` occur in
  /// neither `U` nor `Γ2`; `U` and `G` have no free indices but `j'` and `j`.
  public static func chain(_ outer: Theorem, _ inner: Theorem) throws -> Theorem { try compose(outer, inner, rule: "chain") }

  /// `chain-def`: `chain` whose conclusion keeps the inner function and the outer gradient as
  /// definitions, `def u[j'] = U` and `def dv[j] = Gσ`, named after the tensors they replace: `σ`
  /// reads `u[e]` as `u[e]` of the definition and rebuilds every definition that mentions `u`
  /// (`TensorInstance`), so a function of `u` stated through definitions stays one, and a model's
  /// loss composed top-down grows by one definition per layer (Docs/Rules.md). Checked as `chain`.
  public static func chainDef(_ outer: Theorem, _ inner: Theorem) throws -> Theorem { try compose(outer, inner, rule: "chain-def") }

  private static func compose(_ outer: Theorem, _ inner: Theorem, rule: String) throws -> Theorem {
    func fail(_ reason: String) -> KernelError { .ruleMismatch(rule: rule, reason: reason) }
    let o = try AdjointIdentity(outer, rule: rule), i = try AdjointIdentity(inner, rule: rule)
    guard let dv = i.seed else { throw fail("the inner premise has no seed") }
    let (u, du, x, dx) = (o.variable, o.direction, i.variable, i.direction)
    guard dv.shape == u.shape else { throw fail("the inner seed \(dv.name) does not have the shape of \(u.name)") }
    let names = [u, du, x, dx, dv].map(\.name) + (o.seed.map { [$0.name] } ?? [])
    guard Set(names).count == names.count else { throw fail("the tensors \(names) are not distinct") }
    guard !o.output.mentions(x.name) else { throw fail("the outer function depends on \(x.name) itself") }
    // One walk each over the output and the hypotheses, which share the network's definitions.
    let outerFresh = [du.name] + (o.seed.map { [$0.name] } ?? [])
    guard !o.gradient.mentions(du.name), !Term.add([o.output] + outer.hypotheses.flatMap(\.terms)).mentions({ outerFresh.contains($0.name) }) else {
      throw fail("\(outerFresh) must occur in neither the outer function nor its hypotheses (\(du.name) not in its gradient)")
    }
    guard !Term.add([i.output] + inner.hypotheses.flatMap(\.terms)).mentions({ [dv.name, dx.name].contains($0.name) }) else {
      throw fail("\(dv.name) and \(dx.name) must occur in neither the inner function nor its hypotheses")
    }
    guard i.output.freeIndices.isSubset(of: i.outputBinders), o.gradient.freeIndices.isSubset(of: o.binders) else {
      throw fail("the inner function or the outer gradient has free indices of its own")
    }
    var sigma = TensorInstance(tensor: u, parameters: i.outputBinders, value: i.output, rule: rule)
    if rule == "chain-def" { sigma.definition = try Definition(u.name, parameters: i.outputBinders, shape: u.shape, body: i.output) }
    let g = try sigma.apply(o.gradient, known: Set(try u.shapeGuard(o.binders.map { try Affine.index($0) }).constraints))
    var tau = TensorInstance(tensor: dv, parameters: o.binders, value: g, rule: rule)
    if rule == "chain-def" { tau.definition = try Definition(dv.name, parameters: o.binders, shape: dv.shape, body: g) }
    let seedAt = try o.seed?.shapeGuard(o.outputBinders.map { try Affine.index($0) }) ?? .true
    let y = try sigma.apply(o.output, known: Set(seedAt.constraints))
    let h = try tau.apply(i.gradient, known: Set(try x.shapeGuard(i.binders.map { try Affine.index($0) }).constraints))
    let hypotheses = try outer.hypotheses.map { try sigma.apply($0) } + inner.hypotheses.map { try tau.apply($0) }
    return Theorem(hypotheses, try o.lhs(y, x, dx), try i.rhs(h, x, dx))
  }

  /// `fan-out`: from `Γ1 ⊢ SD(A, dz; x := dx) = sum(i) dx[i] * H1` and
  /// `Γ2 ⊢ SD(B, dz; x := dx) = sum(i) dx[i] * H2` (the same seed, variable, direction and bound
  /// indices) conclude `Γ1 ∪ Γ2 ⊢ SD(A + B, dz; x := dx) = sum(i) dx[i] * (H1 + H2)`: a value used
  /// by two paths receives the sum of their cotangents. Checked: `dx` and `dz` occur in neither
  /// `A`, `B` nor a hypothesis, and `dz` is not `x`.
  public static func fanOut(_ first: Theorem, _ second: Theorem) throws -> Theorem {
    func fail(_ reason: String) -> KernelError { .ruleMismatch(rule: "fan-out", reason: reason) }
    let a = try AdjointIdentity(first, rule: "fan-out"), b = try AdjointIdentity(second, rule: "fan-out")
    guard a.outputBinders == b.outputBinders, a.seed == b.seed, a.variable == b.variable, a.direction == b.direction,
      a.binders == b.binders
    else { throw fail("the premises differ in seed, variable, direction or bound indices") }
    let fresh = [a.direction.name] + (a.seed.map { [$0.name] } ?? [])
    guard a.seed?.name != a.variable.name else { throw fail("the seed is the variable") }
    for n in fresh where a.output.mentions(n) || b.output.mentions(n) || (first.hypotheses + second.hypotheses).contains(where: { $0.mentions(n) }) {
      throw fail("\(n) occurs in an output or a hypothesis")
    }
    return Theorem(first.hypotheses + second.hypotheses, try a.lhs(.add([a.output, b.output]), a.variable, a.direction),
                   try a.rhs(.add([a.gradient, b.gradient]), a.variable, a.direction), canonical: first.hypotheses.isEmpty || second.hypotheses.isEmpty)
  }
}
