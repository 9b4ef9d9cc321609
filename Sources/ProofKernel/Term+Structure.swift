// Free indices, positions, and capture-avoiding substitution.

extension Term {
  /// Indices occurring free (not bound by a `sum` or a `vjp`).
  public var freeIndices: Set<String> { var s: Set<String> = []; addFreeIndices(to: &s); return s }

  /// Adds the free indices to `s`: a set is built per `sum` and `vjp` (whose binders are taken
  /// out), not per node, as this is asked of every definition `chain-def` makes (session 17).
  func addFreeIndices(to s: inout Set<String>) {
    switch node {
    case .constant, .dimension, .named: return
    case let .access(_, idx), let .reference(_, idx): for a in idx { for t in a.terms { if case let .index(n) = t.variable { s.insert(n) } } }
    case let .bracket(g): s.formUnion(g.indices)
    case let .sum(bs, g, body): s.formUnion(g.indices.union(body.freeIndices).subtracting(bs))
    case let .vjp(v): s.formUnion(v.output.freeIndices.subtracting(v.binders)); for a in v.at { s.formUnion(a.indices) }
    default: for c in children { c.addFreeIndices(to: &s) }
    }
  }

  /// True when a `D` or `vjp` occurs.
  public var containsDerivative: Bool {
    switch node {
    case .derivative, .vjp: return true
    default: return children.contains { $0.containsDerivative }
    }
  }

  /// True when the value may depend on tensor `x`: it occurs, directly or in a definition's body.
  public func dependsOn(_ x: TensorSymbol) -> Bool { mentions { $0 == x } }

  /// True when a tensor named `name` occurs, directly or in a definition's body.
  func mentions(_ name: String) -> Bool { mentions { $0.name == name } }

  /// True when a tensor `hit` accepts is read, differentiated in or along, or a `vjp`'s variable or
  /// seed, directly or in a definition's body.
  func mentions(_ hit: (TensorSymbol) -> Bool) -> Bool {
    var seen = Set<Int>()
    return reaches(&seen) { t in
      switch t.node {
      case let .access(a, _): return hit(a)
      case let .derivative(_, v, dx): return hit(v) || hit(dx)
      case let .vjp(v): return hit(v.wrt) || v.seed.map(hit) ?? false
      default: return false
      }
    }
  }

  /// Whether `hit` holds at a subterm, looking into definitions' bodies and `vjp` outputs. Each
  /// definition is looked into once (`seen`): a second visit would find nothing new, and a network
  /// that shares values (a residual stack) would otherwise be walked once per path.
  private func reaches(_ seen: inout Set<Int>, _ hit: (Term) -> Bool) -> Bool {
    if hit(self) { return true }
    switch node {
    case let .reference(d, _): return seen.insert(d.number).inserted && d.body.reaches(&seen, hit)
    case let .vjp(v): return v.output.reaches(&seen, hit)
    default: return children.contains { $0.reaches(&seen, hit) }
    }
  }

  /// The subterms a position can step into, in order.
  public var children: [Term] {
    switch node {
    case let .add(ts), let .mul(ts): return ts
    case let .sum(_, _, t), let .power(t, _), let .apply(_, t), let .derivative(t, _, _): return [t]
    default: return []
    }
  }

  /// The same former with new children (as many as `children`).
  public func replacingChildren(_ new: [Term]) throws -> Term {
    switch node {
    case .add: return .add(new)
    case .mul: return .mul(new)
    // Same binders and guard: the checks `Term.sum` made when the node was built still hold.
    case let .sum(bs, g, _): return Term(.sum(bs, g, new[0]))
    case let .power(_, q): return .power(new[0], q)
    case let .apply(f, _): return .apply(f, new[0])
    case let .derivative(_, x, dx): return try .derivative(new[0], x, along: dx)
    default: return self
    }
  }

  /// The subterm at `path` (a list of child numbers).
  public func subterm(at path: [Int]) throws -> Term {
    var t = self
    for k in path {
      let c = t.children
      guard c.indices.contains(k) else { throw KernelError.ruleMismatch(rule: "position", reason: "no subterm at \(path)") }
      t = c[k]
    }
    return t
  }

  // MARK: - Substitution

  /// Replaces free indices by affine expressions at once, renaming bound indices that would capture
  /// an index of a replacement (`i` becomes `i'`, `i''`, ...).
  public func substituting(_ map: [String: Affine]) throws -> Term {
    if map.isEmpty { return self }
    switch node {
    case .constant, .dimension, .named: return self
    case let .access(t, idx): return try .access(t, idx.map { try $0.substituting(map) })
    case let .reference(d, idx): return try .reference(d, idx.map { try $0.substituting(map) })
    case let .bracket(g): return .bracket(try g.substituting(map))
    case let .sum(bs, g, body):
      let (newBinders, inner) = try Term.renamingBinders(bs, under: map, avoiding: body.freeIndices.union(g.indices))
      return try .sum(newBinders, g.substituting(inner), body.substituting(inner))
    case let .vjp(v):
      // The output's own free indices are substituted under its binders, as in a sum's body.
      let (newBinders, inner) = try Term.renamingBinders(v.binders, under: map, avoiding: v.output.freeIndices)
      return try .vjp(v.output.substituting(inner), binders: newBinders, shape: v.shape, wrt: v.wrt, seed: v.seed,
                      at: v.at.map { try $0.substituting(map) })
    default:
      return try replacingChildren(children.map { try $0.substituting(map) })
    }
  }

  /// Binders after renaming those that clash with an index a replacement brings in, and the map to
  /// apply under them (mappings of the binders dropped, renamings added). `used` (the indices free
  /// in the body, which a fresh name avoids) is asked for only when a binder clashes: it walks the
  /// body, and substitution asks at every nested sum.
  static func renamingBinders(
    _ binders: [String], under map: [String: Affine], avoiding used: @autoclosure () -> Set<String>
  ) throws -> ([String], [String: Affine]) {
    var inner = map
    for b in binders { inner[b] = nil }
    let incoming = inner.values.reduce(into: Set<String>()) { $0.formUnion($1.indices) }
    guard binders.contains(where: incoming.contains) else { return (binders, inner) }
    var avoid = incoming.union(used()).union(binders).union(inner.keys)
    var result = binders
    for (k, b) in binders.enumerated() where incoming.contains(b) {
      var fresh = b + "'"
      while avoid.contains(fresh) { fresh += "'" }
      avoid.insert(fresh)
      result[k] = fresh
      inner[b] = try .index(fresh)
    }
    return (result, inner)
  }
}
