internal import ProofKernel

extension ChainProof {
  /// The paths of a residual add `d = P + Q` on the top-down chain down to the next value `below`
  /// on it (where its two paths meet): per addend, the values it passes through, its top first
  /// (none for the addend that is `below` itself); each reads the next, and only it, at plain
  /// indices. Throws why `d` is not such a sum (then the model composes bottom-up).
  mutating func residualPaths(of d: Definition, below: Definition) throws -> [[Definition]] {
    guard case let .add(terms) = d.body.node, terms.count == 2, !plan.readsX(d.body) else {
      throw ProofFailure.unsupported("\(d.name) reads two values that depend on \(vjp.wrt.name) and is not the sum of two reads")
    }
    var paths: [[Definition]] = []
    for term in terms {
      guard case let .reference(top, _) = term.node else { throw ProofFailure.unsupported("an addend of \(d.name) is not a read") }
      var path: [Definition] = [], current = top, reader = d
      while true {
        // A read the guards around it do not keep inside its shape would come back from
        // `chain-def` bracketed inside the rebuilt definitions, not as the statement writes them.
        guard Self.readsInShape(current, in: reader.body) else {
          throw ProofFailure.unsupported("\(reader.name), on a path of the residual add \(d.name), reads \(current.name) at an index that is not kept inside its shape")
        }
        if current === below { break }
        let reads = plan.dependents(in: current.body)
        guard !plan.readsX(current.body), reads.count == 1 else {
          throw ProofFailure.unsupported("\(current.name), on a path of the residual add \(d.name), is not one layer reading one value")
        }
        path.append(current)
        (reader, current) = (current, reads[0])
      }
      paths.append(path)
    }
    return paths
  }

  /// `SD(P + Q, g; u := du) = sum(i)[shape u] du[i] * (H1 + H2)` for the residual add `d` (its
  /// body, with `g` its level seed), `u` the tensor standing for the value `below` where its two
  /// paths meet: each addend's identity composed down its path by `chain-def` (the path's values
  /// kept as definitions over `u`, each with a level seed that names its cotangent), joined by the
  /// kernel's `fan-out` (cotangents add). Each layer is normalized on its own, so a residual block
  /// costs its layers, not the block normalized whole (which, with a batch norm on a path, took
  /// minutes).
  mutating func residualIdentity(_ d: Definition, paths: [[Definition]], below: Definition, u: TensorSymbol, du: TensorSymbol) throws -> Int {
    guard case let .add(terms) = d.body.node else { throw ProofFailure.unsupported("\(d.name) is not a sum") }
    let seed = try levelSeed(d)
    // One name for each bound index of both right sides: `fan-out` adds identities over the same ones.
    let binding = u.shape.map { _ in fresh("i") }
    var identities: [Int] = []
    for (term, path) in zip(terms, paths) {
      guard let top = path.first else {
        let direct = try abstracting(below, as: u, in: term)
        identities.append(try adjointIdentity(direct, binders: d.parameters, seed: seed, variable: u, direction: du, seedOnce: true, binding: binding))
        continue
      }
      // The addend read as the tensor `top` (named after it: `chain-def` defines it under that name).
      let w = try TensorSymbol(top.name, shape: top.shape)
      var step = try adjointIdentity(try abstracting(top, as: w, in: term), binders: d.parameters, seed: seed, variable: w,
                                     direction: try TensorSymbol(fresh("du"), shape: top.shape), seedOnce: true)
      for (m, value) in path.enumerated() {
        let next = m + 1 < path.count ? path[m + 1] : below
        let last = next === below
        let v = last ? u : try TensorSymbol(next.name, shape: next.shape)
        let dv = last ? du : try TensorSymbol(fresh("du"), shape: next.shape)
        let layer = try adjointIdentity(try abstracting(next, as: v, in: value.body), binders: value.parameters, seed: try levelSeed(value, below: d),
                                        variable: v, direction: dv, seedOnce: true, binding: last ? binding : nil)
        step = try builder.apply(.chainDef(step, layer))
      }
      identities.append(step)
    }
    return try builder.apply(.fanOut(identities[0], identities[1]))
  }
}
