internal import ProofKernel

extension ChainProof {
  /// The gradient of a scalar loss proved top-down (Docs/Engine.md, "One derivation per model"):
  /// for each value `a_n` on the chain from the loss down to the parameter, the loss's identity
  /// with respect to `a_n` as a tensor is proved once for the whole model, by the kernel's
  /// `chain-def` from the identity of the value above and one layer's, keeping every layer above as
  /// a definition (so it grows by one layer per level, not by the network). A parameter then costs
  /// its own layer's identity, one `chain-def` (which puts the statement's definitions back for the
  /// tensors), the loss unfolded once, its cotangent recognised (`cotangentEquation`), and the
  /// comparison with the statement. A residual add on the chain, whose two paths meet at the next
  /// value, is one level whose identity joins its paths' by `fan-out` (`residualIdentity`). Nil
  /// when the output is not a definition above the parameter; throws why when the model's chain is
  /// not one definition per layer reading the next, or such an add, at plain indices (then `run`
  /// composes bottom-up, as before).
  mutating func runTopDown() throws -> (theorem: Theorem, step: Int)? {
    guard vjp.seed == nil, case let .reference(top, args) = vjp.output.node, args.isEmpty else { return nil }
    let chain = [top] + plan.dominators(of: top)
    guard chain.count >= 2 else { return nil }
    for (n, d) in chain.enumerated().dropLast() {
      let reads = plan.dependents(in: d.body)
      if reads.count > 1 {
        _ = try residualPaths(of: d, below: chain[n + 1])
        continue
      }
      guard !plan.readsX(d.body), reads.count == 1, reads[0] === chain[n + 1] else {
        throw ProofFailure.unsupported("\(d.name) is not one layer reading \(chain[n + 1].name)")
      }
      // A value read at an index the guards around it do not keep inside its shape (max
      // pooling's `2*p + 1`) comes back from `chain-def` bracketed, not as the statement writes
      // it: such a model composes bottom-up.
      guard Self.readsInShape(chain[n + 1], in: d.body) else {
        throw ProofFailure.unsupported("\(d.name) reads \(chain[n + 1].name) at an index that is not kept inside its shape")
      }
    }
    let bottom = chain[chain.count - 1], seed = try levelSeed(bottom)
    let own = try adjointIdentity(bottom.body, binders: bottom.parameters, seed: seed, variable: vjp.wrt, direction: dx, seedOnce: false)
    let composed = try builder.apply(.chainDef(try generic(chain, chain.count - 1), own))
    // `D loss [x := dx]` is `D (its body) [x := dx]`; the composed side holds the statement's
    // definitions put back (equal by content, so `trans` accepts them).
    var unfolded = try builder.start(try sd(vjp.output, [], nil, vjp.wrt, dx))
    try unfolded.apply(.unfold, at: [0])
    let written = try namingCotangents(in: try builder.apply(.trans(unfolded.step, composed)))
    return try finish(written.step)
  }

  /// The loss's identity with respect to `chain[n]` as a tensor of its name: the top layer's
  /// identity normalized, or `chain-def` of the level above with the layer between. Once per model.
  mutating func generic(_ chain: [Definition], _ n: Int) throws -> Int {
    if let known = shared.generic[chain[n].name] { return known }
    let u = try TensorSymbol(chain[n].name, shape: chain[n].shape), du = try TensorSymbol(fresh("du"), shape: chain[n].shape)
    let above = chain[n - 1], layer = try abstracting(chain[n], as: u, in: above.body)
    let step: Int
    if n == 1 {
      step = try adjointIdentity(layer, binders: [], seed: nil, variable: u, direction: du, seedOnce: true)
    } else {
      let outer = try generic(chain, n - 1)
      let inner: Int
      if plan.dependents(in: above.body).count > 1 {
        inner = try residualIdentity(above, paths: try residualPaths(of: above, below: chain[n]), below: chain[n], u: u, du: du)
      } else {
        inner = try adjointIdentity(layer, binders: above.parameters, seed: try levelSeed(above), variable: u, direction: du, seedOnce: true)
      }
      step = try builder.apply(.chainDef(outer, inner))
    }
    shared.generic[chain[n].name] = step
    return step
  }

  /// The seed of the value `d`'s layer, one per model: `chain-def` names the cotangent after it.
  /// On a path of the residual add `add` (`residualIdentity`) it is a seed of its own: there the
  /// cotangent is the path's share only, a definition other than the one of `d` on a chain.
  func levelSeed(_ d: Definition, below add: Definition? = nil) throws -> TensorSymbol {
    let key = add.map { "\(d.name) below \($0.name)" } ?? d.name
    if let known = shared.levelSeeds[key] { return known }
    let seed = try TensorSymbol(fresh("g"), shape: d.shape)
    shared.levelSeeds[key] = seed
    shared.levelValues[seed.name] = d
    return seed
  }

  /// `⊢ g[j] = da[j]` (or `[range] * da[j]`): the cotangent definition `g` that `chain-def` made
  /// for a value (with the statement's definitions put back) is the statement's backward one `da`,
  /// with `j` `g`'s parameters (or `read`, `cotangentRead`); once per value. `g` unfolded, the
  /// cotangent above it rewritten to its own backward definition, compared with each candidate
  /// unfolded once.
  mutating func cotangentEquation(_ g: Definition, at read: [Affine]? = nil) throws -> (step: Int, definition: Definition) {
    let own = try g.parameters.map { try Affine.index($0) }, at = read ?? own
    let key = at == own ? g.name : g.name + "@" + at.map(\.description).joined(separator: ",")
    if let known = shared.cotangentEquations[key] { return known }
    guard !shared.unnamedCotangents.contains(key) else { throw ProofFailure.unsupported("no backward definition is the cotangent \(g.name)") }
    var content = try builder.start(try .reference(g, at))
    try content.apply(.unfold, at: [])
    // The forward values as the statement's objects (the kernel's `ring` tells definitions apart by object).
    let canonical = try Self.canonicalized(content.current, as: statementDefinitions)
    // The backward definitions of the cotangents above (two below a residual add).
    let (current, above) = try namingCotangents(in: try builder.apply(.trans(content.step, try builder.apply(.refl(canonical)))))
    let backward = ChainPlan.backward(statement.rhs, output: vjp.output)
    let isBackward = Set(backward.map(ObjectIdentifier.init))
    let isAbove = { (d: Definition) in above.contains { $0 === d } }
    let forward = ChainPlan.forward(of: vjp.output)
    // Each candidate with the backward definitions to unfold inside it, and whether to unfold it.
    var candidates: [(definition: Definition, helpers: [Definition], unfolds: Bool)] = []
    // The cotangent as composed. One passed on unchanged (an add's contribution, written where it
    // is read, not named) is the one above itself, read folded.
    let composed = builder.theorem(current).rhs
    if !Self.readsTensor(composed), Self.reads(where: { forward.contains(ObjectIdentifier($0)) }, in: composed).isEmpty {
      candidates += above.filter { $0.parameters.count == at.count && $0.shape == g.shape }.map { ($0, [], false) }
    }
    for c in backward where c.parameters.count == at.count && c.shape == g.shape {
      let refs = plan.references(in: c.body)
      if above.isEmpty {
        if !refs.contains(where: { isBackward.contains(ObjectIdentifier($0)) }) { candidates.append((c, [], true)) }
        continue
      }
      // A fan-out's sum of contributions (`da[j] = da_t[j] + da_s[j]`): the contributions that read
      // a cotangent above are unfolded too, as the cotangent holds their terms.
      var helpers: [Definition] = []
      if case let .add(terms) = c.body.node, terms.allSatisfy({ if case .reference = $0.node { true } else { false } }) {
        helpers = refs.filter { h in !isAbove(h) && isBackward.contains(ObjectIdentifier(h)) && plan.references(in: h.body).contains(where: isAbove) }
      }
      if refs.contains(where: isAbove) || !helpers.isEmpty { candidates.append((c, helpers, true)) }
    }
    // As in `recogniseCotangents`: where a delta left the range of the index, the definition times
    // it; where the terms carry the ranges of some indices only (batch norm's input rule: its
    // batch sums' guards hold the channel's range, the image's terms do not), the definition
    // compared with those constraints dropped under the hypothesis of its range, tried last.
    // Then, in a model, below a layer norm or an attention (written with the definitions inside
    // it inlined), where the cotangent has them written out: each candidate unfolded like it, as
    // the bottom-up recognition does (`unfolding`), a sign condition the comparison records (the
    // softmax's `sum exp(S) != 0`) discharged at once. Where the cotangent carries that range
    // inside its sums (`carries`, batch norm's), the comparison with it dropped goes first: the
    // other two fail there, each a normalization. A level of a kind of block recognised before
    // (`kind(of:)`) tries first the routes of that shape (`Shared.routeShapes`); where the
    // cotangent is proved again at other indices (`cotangentRead`), the route that recognised it
    // first is tried first.
    let kept = Set(above.map(ObjectIdentifier.init))
    let inlined = shared.writesOutUnnamed ? shared.levelValues[g.name] : nil
    let carried = try candidates.first.map { Self.carries(try Self.range(of: $0.definition, at: at), in: composed) } ?? false
    let kind = shared.levelValues[g.name].map { Self.kind(of: $0.body) }
    let routes = Self.routes(of: candidates, likes: [nil] + (inlined.map { [$0] } ?? []), dropsFirst: carried,
                             preferred: kind.flatMap { shared.routeShapes[$0] }, known: shared.cotangentRoutes[g.name])
    // A route whose candidate, prepared (unfolded, helpers, `unfolding`), reads other definitions
    // than the cotangent does (by name) is put off to the end, not dropped: folded, a definition
    // is an atom of the normal form, and such comparisons failed wherever they were measured.
    let composedReads = Set(plan.references(in: composed).map(\.name))
    var queue = routes.map { (route: $0, screened: false) }
    var i = 0
    while i < queue.count {
      let (route, screened) = queue[i]
      i += 1
      let (c, like, drops) = (route.candidate, route.like, route.drops)
      let range = try Self.range(of: c, at: at)
      let read = try Term.reference(c, at)
      var named = try builder.start(route.ranged ? .mul([.bracket(range), read]) : read)
      if route.unfolds { try named.apply(.unfold, at: route.ranged ? [1] : []) }
      for (path, _) in Self.reads(where: { h in route.helpers.contains { $0 === h } }, in: named.current) { try named.apply(.unfold, at: path) }
      if let value = like { guard try unfolding(&named, like: composed, keeping: kept, backward: isBackward, below: value) else { continue } }
      if !screened, Set(plan.references(in: named.current).map(\.name)) != composedReads {
        queue.append((route, true))
        continue
      }
      guard let equation = try? (drops ? equal(composed, named.current, in: builder, dropping: range) : equal(composed, named.current, in: builder)) else {
        shared.failedComparisons[key, default: 0] += 1
        continue
      }
      let step = try builder.apply(.trans(try builder.apply(.trans(current, like == nil ? equation : dischargingSigns(equation))), try builder.apply(.sym(named.step))))
      shared.cotangentEquations[key] = (step, c)
      shared.cotangentRoutes[g.name] = route
      if let kind { shared.routeShapes[kind] = RouteShape(route) }
      if drops { shared.rangedCotangents.insert(g.name) }
      return (step, c)
    }
    shared.unnamedCotangents.insert(key)
    throw ProofFailure.unsupported("no backward definition is the cotangent \(g.name)")
  }

  /// The statement's definitions by name (the forward values and the backward ones).
  var statementDefinitions: [String: Definition] {
    Dictionary(ChainPlan.reachable(from: [statement.lhs, statement.rhs]).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
  }

  /// Step `k` (`⊢ L = R`) with each read in `R` of a level seed's cotangent definition rewritten to
  /// the statement's backward definition (`cotangentRead`); where none names it (in a model, a
  /// value whose cotangent the statement writes where it is read: an add's, a mean's
  /// contribution), unfolded in place, its own reads then rewritten so. Returns the step and the
  /// backward definitions read, in order.
  mutating func namingCotangents(in k: Int) throws -> (step: Int, read: [Definition]) {
    let written = statementDefinitions
    let seeds = Set(shared.levelSeeds.values.map(\.name))
    var current = k, above: [Definition] = []
    while let (path, read) = Self.reads(where: { seeds.contains($0.name) }, in: builder.theorem(current).rhs).first {
      guard case let .reference(h, hat) = read.node else { break }
      let definition: Definition
      do {
        definition = try cotangentEquation(h).definition
      } catch {
        guard shared.writesOutUnnamed else { throw error }
        var out = try builder.start(builder.theorem(current).rhs)
        try out.apply(.unfold, at: path)
        let same = try Self.canonicalized(out.current, as: written)
        current = try builder.apply(.trans(current, try builder.apply(.trans(out.step, try builder.apply(.refl(same))))))
        continue
      }
      if !above.contains(where: { $0 === definition }) { above.append(definition) }
      current = try builder.apply(.cong(current, path: path, by: try cotangentRead(h, at: hat)))
    }
    return (current, above)
  }

  /// `⊢ g[e] = da[e]` (or `holds(range(e)) ⊢`): `g`'s equation at its parameters instantiated,
  /// or, when that one holds under the hypothesis of a range (its own; a batch index's, where a
  /// stated equation was used at it), instantiated under that range (`rangedInstance`; proved
  /// again at `e` where that does not apply): the kernel would state the hypothesis under
  /// `instance`'s `sum(j)[j == e]`, where `discharge` does not see that `j` is `e`; at `e` it is
  /// stated by the sums that bind `e`. Once per cotangent and indices read.
  mutating func cotangentRead(_ g: Definition, at e: [Affine]) throws -> Int {
    let equation = try cotangentEquation(g)
    let ranged = builder.theorem(equation.step).hypotheses.contains { if case .holds = $0 { true } else { false } }
    if !shared.rangedCotangents.contains(g.name), !ranged { return try instance(equation, at: e) }
    let key = g.name + "@" + e.map(\.description).joined(separator: ",")
    if let known = shared.cotangentEquations[key] { return known.step }
    if let step = try? rangedInstance(equation, at: e) {
      shared.cotangentEquations[key] = (step, equation.definition)
      return step
    }
    shared.cotangentsProvedAgain += 1
    return try cotangentEquation(g, at: e).step
  }

  /// `⊢ g[e] = da[e]` from `⊢ g[j] = da[j]`: both read through `sum(j)[j == e]`, which
  /// `delta-elim` removes, so the equation proved at `g`'s parameters holds at any indices.
  func instance(_ equation: (step: Int, definition: Definition), at e: [Affine]) throws -> Int {
    let lhs = builder.theorem(equation.step).lhs
    guard case let .reference(g, _) = lhs.node else { throw ProofFailure.kernel("not a cotangent equation") }
    if e == (try g.parameters.map { try Affine.index($0) }) { return equation.step }
    let js = g.parameters
    let delta = try Term.sum(js, Guard(equal: try zip(js, e).map { try Affine.index($0).plus($1.scaled(by: -1)) }), lhs)
    var left = try builder.start(delta), right = try builder.start(delta)
    try right.rewrite(at: [0], by: equation.step)
    for j in js { try left.apply(.deltaElim(j), at: []); try right.apply(.deltaElim(j), at: []) }
    return try builder.apply(.trans(try builder.apply(.sym(left.step)), right.step))
  }

  /// `t` with each definition equal by content to one of the statement's written as that one.
  static func canonicalized(_ t: Term, as written: [String: Definition]) throws -> Term {
    if case let .reference(d, args) = t.node {
      if let s = written[d.name], s !== d, s == d { return try .reference(s, args) }
      return t
    }
    return try t.replacingChildren(t.children.map { try canonicalized($0, as: written) })
  }

  /// Whether `t` reads a tensor (outside definitions).
  static func readsTensor(_ t: Term) -> Bool {
    if case .access = t.node { return true }
    return t.children.contains(where: readsTensor)
  }

  /// Whether every read of `d` in `t` is one the kernel's substitution sees inside `d`'s shape, so
  /// that `chain-def` rebuilds it unbracketed: each index plain (`d[i, j]`), a constant inside the
  /// shape (an attention's query, key and value, `d[t, 0, h, e]` on an axis of size 3), or its
  /// range stated by the guards of the sums around the read (a convolution's `p + u - P + 1` under
  /// `sum(... | 0 <= p + u - P + 1, p + u - P + 1 < H)`, `BlockText.guardingShiftedReads`).
  static func readsInShape(_ d: Definition, in t: Term, known: Set<Constraint> = []) -> Bool {
    switch t.node {
    case let .reference(e, args) where e === d:
      return zip(args, d.shape).allSatisfy { index, size in
        if index.constant == 0, index.terms.count == 1, index.terms[0].coefficient == 1 { return true }
        // The kernel's own test (`TensorInstance.apply`): the axis's shape guard, each constraint known.
        guard let range = try? TensorSymbol(d.name, shape: [size]).shapeGuard([index]) else { return false }
        return !range.isFalse && range.constraints.allSatisfy(known.contains)
      }
    case let .sum(binders, g, body):
      let inside = known.filter { $0.expression.indices.isDisjoint(with: binders) }.union(g.isFalse ? [] : g.constraints)
      return readsInShape(d, in: body, known: inside)
    default:
      return t.children.allSatisfy { readsInShape(d, in: $0, known: known) }
    }
  }

  /// The paths of references to definitions named `name` (or matching `hit`) in `t`, with them.
  static func reads(named name: String, in t: Term) -> [([Int], Term)] { reads(where: { $0.name == name }, in: t) }

  static func reads(where hit: (Definition) -> Bool, in t: Term, at path: [Int] = []) -> [([Int], Term)] {
    if case let .reference(d, _) = t.node, hit(d) { return [(path, t)] }
    return t.children.enumerated().flatMap { reads(where: hit, in: $1, at: path + [$0]) }
  }
}
