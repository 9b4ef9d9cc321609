internal import Exact
internal import ProofKernel

extension ChainProof {
  /// `SD(t, seed; x := dx) = sum(i)[shape x] dx[i] * H(i)` for the output `t` (free in `binders`):
  /// proved directly when `t`'s definition reads `x` itself (or no single definition stands
  /// between), otherwise by `chain` from the layer's own identity and the layer below's.
  /// Returns the step.
  mutating func identity(of t: Term, binders: [String], seed: TensorSymbol?) throws -> Int {
    guard case let .reference(d, _) = t.node else { throw ProofFailure.unsupported("not a definition") }
    let x = vjp.wrt
    guard let below = plan.dominators(of: d).first else {
      let step = try adjointIdentity(t, binders: binders, seed: seed, variable: x, direction: dx, seedOnce: false)
      try recordHoles(of: seed, for: d, in: step)
      return step
    }
    // The layer: t unfolded down to the definition below, which becomes the tensor u.
    let lhs = try sd(t, binders, seed, x, dx)
    var unfolded = try builder.start(lhs)
    let body = seed == nil ? [0] : [0, 1, 0]
    try unfolded.apply(.unfold, at: body)
    while let p = Normalizer.firstPath(in: try unfolded.subterm(at: body), where: { t in
      if case let .reference(e, _) = t.node { return e !== below && plan.dependsOnX(e) } else { return false }
    }) {
      try unfolded.apply(.unfold, at: body + p)
    }
    // The layer's own identity does not depend on x: proved once for all the model's gradients
    // that pass through it (`Shared`), with the tensors and indices it was proved with.
    let unfoldedBody = try unfolded.subterm(at: body)
    let key = [unfoldedBody.key, below.name, binders.joined(separator: ","), seed?.name ?? ""].joined(separator: "|")
    let proved: Shared.Layer
    if let known = shared.layers[key] {
      proved = known
      let layer = try abstracting(below, as: proved.u, in: unfoldedBody)
      guard !plan.readsX(layer), plan.dependents(in: layer).isEmpty else { throw ProofFailure.unsupported("the layer reads \(x.name) beside \(below.name)") }
    } else {
      let u = try TensorSymbol(fresh("u"), shape: below.shape), du = try TensorSymbol(fresh("du"), shape: below.shape)
      let layer = try abstracting(below, as: u, in: unfoldedBody)
      guard !plan.readsX(layer), plan.dependents(in: layer).isEmpty else { throw ProofFailure.unsupported("the layer reads \(x.name) beside \(below.name)") }
      let outer = try adjointIdentity(layer, binders: binders, seed: seed, variable: u, direction: du, seedOnce: true)
      // The layer below gets a seed of its own.
      let dv = try TensorSymbol(fresh("dv"), shape: below.shape)
      let js = below.parameters.map { _ in fresh("c") }
      proved = Shared.Layer(u: u, du: du, dv: dv, js: js, outer: outer)
      shared.layers[key] = proved
    }
    let inner = try identity(of: try .reference(below, proved.js.map { try Affine.index($0) }), binders: proved.js, seed: proved.dv)
    // A read the substitution bracketed is the plain read: the unfolded layer reads it plain.
    let composed = try readingPinned(below, in: try builder.apply(.chain(proved.outer, inner)))
    let step = try builder.apply(.trans(unfolded.step, composed))
    try recordHoles(of: seed, for: d, in: step)
    return step
  }

  /// The seeded derivative `sum(o)[shape seed] seed[o] * D y [x := dx]`, or `D y [x := dx]`.
  func sd(_ y: Term, _ binders: [String], _ seed: TensorSymbol?, _ x: TensorSymbol, _ dx: TensorSymbol) throws -> Term {
    let d = try Term.derivative(y, x, along: dx)
    guard let seed else { return d }
    let os = try binders.map { try Affine.index($0) }
    return try .sum(binders, seed.shapeGuard(os), .mul([try .access(seed, os), d]))
  }

  /// `y` with every reference to `d` read from the tensor `u` instead.
  func abstracting(_ d: Definition, as u: TensorSymbol, in y: Term) throws -> Term {
    if case let .reference(e, args) = y.node, e === d { return try .access(u, args) }
    return try y.replacingChildren(y.children.map { try abstracting(d, as: u, in: $0) })
  }

  /// Where the entries of `seed` (the cotangent of `d`) sit in the gradient of step `k`'s right side.
  mutating func recordHoles(of seed: TensorSymbol?, for d: Definition, in k: Int) throws {
    guard let seed, seed != vjp.seed else { return }
    var places: [(path: [Int], at: [Affine])] = []
    func walk(_ t: Term, _ p: [Int]) {
      if case let .access(s, idx) = t.node, s == seed { places.append((p, idx)); return }
      for (c, child) in t.children.enumerated() { walk(child, p + [c]) }
    }
    walk(try builder.theorem(k).rhs.subterm(at: [0, 1]), [])
    holes.append((seed, d, places))
  }

  /// Proves `SD(y, seed; x := dx) = sum(i)[shape x] dx[i] * g(i)`, reading `g` off the normal form
  /// of the left side. With `seedOnce`, `g` is written `sum(h)[shape seed] seed[h] * K(h, i)`, so
  /// that the seed occurs once: the layer above is put in its place by `chain`, and a seed that
  /// occurred twice would double the term at every layer. `binding` names the right side's bound
  /// indices (fresh ones when nil): `fan-out` joins two identities only when they are the same.
  func adjointIdentity(_ y: Term, binders: [String], seed: TensorSymbol?, variable x: TensorSymbol, direction dx: TensorSymbol,
                                seedOnce: Bool, binding: [String]? = nil) throws -> Int {
    var normalizer = self.normalizer()  // definitions kept folded: `jvp` unfolds what depends on the variable
    defer { keep(&normalizer) }
    var left = try builder.start(try sd(y, binders, seed, x, dx))
    var ms = try normalizer.normalize(&left, at: [])
    ms = try Prover.straighten(&left, ms, along: dx, keeping: seed, &normalizer)
    let is_ = binding ?? x.shape.map { _ in normalizer.fresh() }
    var shares = try ms.map { try $0.extracting(dx, at: is_) }
    var g = try shares.term()
    if seedOnce, let seed {
      let hs = seed.shape.map { _ in normalizer.fresh() }
      shares = try shares.map { try $0.extracting(seed, at: hs) }
      let at = try hs.map { try Affine.index($0) }
      g = try .sum(hs, seed.shapeGuard(at), .mul([try .access(seed, at), try shares.term()]))
    }
    let at = try is_.map { try Affine.index($0) }
    var right = try builder.start(try .sum(is_, x.shapeGuard(at), .mul([try .access(dx, at), g])))
    let r = try normalizer.normalize(&right, at: [])
    _ = try Prover.straighten(&right, r, along: dx, keeping: seed, &normalizer)
    try left.apply(.ring(right.current), at: [])
    return try builder.apply(.trans(left.step, try builder.apply(.sym(right.step))))
  }
}

extension Monomial {
  /// The monomial with its one factor `t[e]` removed and read at the new free indices `names`:
  /// where a slot `e_k` is a bound index of its own, that index is renamed to `names[k]` and no
  /// longer summed; otherwise the constraint `names[k] == e_k` joins the guard. Constraints that
  /// only restate the shape of `t` at `names` are dropped: the share is read on that shape.
  func extracting(_ t: TensorSymbol, at names: [String]) throws -> Monomial {
    guard let k = factors.firstIndex(where: { if case let .access(s, _) = $0.atom.node { s == t } else { false } }),
          factors[k].exponent == 1, case let .access(_, idx) = factors[k].atom.node else {
      throw ProofFailure.unsupported("a term is not linear in \(t.name)")
    }
    var out = self
    out.factors.remove(at: k)
    var map: [String: Affine] = [:], constraints: [Affine] = []
    var strided: [Int] = []
    for (k, (slot, e)) in zip(names, idx).enumerated() {
      if e.constant == 0, e.terms.count == 1, e.terms[0].coefficient == 1, case let .index(b) = e.terms[0].variable,
         out.binders.contains(b), map[b] == nil {
        map[b] = try .index(slot)
        out.binders.removeAll { $0 == b }
      } else {
        constraints.append(try Affine.index(slot).plus(e.scaled(by: -1)))
        if e.terms.contains(where: { $0.coefficient.magnitude > 1 }) { strided.append(k) }
      }
    }
    out.factors = try out.factors.map { (try $0.atom.substituting(map), $0.exponent) }
    let joined = try out.guardTerm.substituting(map).and(Guard(equal: try constraints.map { try $0.substituting(map) }))
    let shape = try t.shapeGuard(names.map { try Affine.index($0) })
    guard !joined.isFalse else { out.guardTerm = joined; return out }
    var kept = joined.constraints.filter { !shape.constraints.contains($0) }
    // A slot read at a multiple of an index (max pooling's `2*p + 1`): its upper bound stated at the
    // slot's name (`h < N`) rather than at the read (`2*p + 1 < N`), the same under `h == 2*p + 1`,
    // and as a backward definition read in its shape states it (the kernel's guards do not
    // substitute equalities, so the two forms would not compare).
    for k in strided {
      let read = try idx[k].substituting(map)
      let upper = try Guard(nonNegative: [try t.shape[k].plus(.constant(-1)).plus(read.scaled(by: -1))])
      kept = kept.filter { !upper.constraints.contains($0) } + (try Guard.axis(names[k], size: t.shape[k])).constraints
    }
    out.guardTerm = try Guard(kept)
    return out
  }
}
