// Introducing `vjp` and `grad` from the adjoint identity.

extension Theorem {
  /// `vjp-intro`: from
  ///
  ///     Γ ⊢ sum(o)[0 <= o < shape(dy)] dy[o] * D y(o) [x := dx] = sum(i)[0 <= i < shape(x)] dx[i] * g(i)
  ///
  /// conclude `Γ, 0 <= at < shape(x) ⊢ vjp(o -> y(o), x, dy)[at] = g(at)`; `grad-intro` is the same
  /// with a scalar `y` and no seed: `Γ ⊢ D y [x := dx] = sum(i)[..] dx[i] * g(i)` gives
  /// `grad(y, x)[at] = g(at)`. Checked: `dx` is a tensor of the shape of `x` mentioned by neither
  /// `y`, `g` nor `Γ` (so the identity holds for every direction, and `g` is the adjoint), `dy`
  /// differs from `dx` and does not occur in `y`, `g` has no `D`; both sides are linear in `dx` and
  /// `dy` by their form. `at` are the indices the conclusion is stated at.
  public static func vjpIntro(_ th: Theorem, at: [String]) throws -> Theorem {
    func fail(_ reason: String) -> KernelError { .ruleMismatch(rule: "vjp-intro", reason: reason) }
    let a = try AdjointIdentity(th, rule: "vjp-intro")
    let (y, x, dx, g, is_) = (a.output, a.variable, a.direction, a.gradient, a.binders)
    // One walk over the output, gradient and hypotheses, which share the network's definitions.
    guard !Term.add([y, g] + th.hypotheses.flatMap(\.terms)).mentions(dx.name) else {
      throw fail("\(dx.name) is not fresh: it occurs in the output, the gradient or a hypothesis")
    }
    if let seed = a.seed { guard seed.name != dx.name, !y.mentions(seed.name) else { throw fail("the seed \(seed.name) is not fresh") } }
    guard at.count == is_.count, Set(at).count == at.count else { throw fail("\(at.count) indices for rank \(is_.count)") }
    let map = Dictionary(uniqueKeysWithValues: try zip(is_, at).map { ($0, try Affine.index($1)) })
    let atAffine = try at.map { try Affine.index($0) }
    let lhs = try Term.vjp(y, binders: a.outputBinders, shape: a.seed?.shape ?? [], wrt: x, seed: a.seed, at: atAffine)
    return Theorem(th.hypotheses + [.holds(try x.shapeGuard(atAffine))], lhs, try g.substituting(map))
  }
}
