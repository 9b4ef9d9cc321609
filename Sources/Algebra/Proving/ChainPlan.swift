internal import ProofKernel

/// Where a composed definition depends on a tensor `x`: for each definition, the definitions
/// every path from it to `x` passes through (its dominators), nearest first. Back-propagation
/// proceeds from a definition to its nearest dominator, treating everything in between as one
/// layer (a residual block's two paths meet there). Definitions are visited once each, so a
/// network that shares values (a residual stack) is walked in time linear in its size.
struct ChainPlan {
  let x: TensorSymbol
  private var dominatorsMemo: [ObjectIdentifier: [Definition]] = [:]
  private var dependsMemo: [ObjectIdentifier: Bool] = [:]

  init(wrt x: TensorSymbol) { self.x = x }

  /// Whether the value of `d` depends on `x`, through definitions too.
  mutating func dependsOnX(_ d: Definition) -> Bool {
    if let known = dependsMemo[ObjectIdentifier(d)] { return known }
    let result = readsX(d.body) || references(in: d.body).contains { dependsOnX($0) }
    dependsMemo[ObjectIdentifier(d)] = result
    return result
  }

  /// The dominators of `x` seen from `d`, nearest first; empty when `d` reads `x` itself or two
  /// of its paths meet only at `x`.
  mutating func dominators(of d: Definition) -> [Definition] {
    if let known = dominatorsMemo[ObjectIdentifier(d)] { return known }
    var result: [Definition] = []
    let dependents = dependents(in: d.body)
    if !readsX(d.body), let first = dependents.first {
      result = [first] + dominators(of: first)
      for other in dependents.dropFirst() {
        let through = Set(([other] + dominators(of: other)).map(ObjectIdentifier.init))
        result = result.filter { through.contains(ObjectIdentifier($0)) }
      }
    }
    dominatorsMemo[ObjectIdentifier(d)] = result
    return result
  }

  /// The definitions `t` refers to directly whose values depend on `x`: the values a layer reads.
  mutating func dependents(in t: Term) -> [Definition] { references(in: t).filter { dependsOnX($0) } }

  /// The definitions `t` refers to directly (not inside their bodies), each once, in order.
  func references(in t: Term) -> [Definition] {
    var seen = Set<ObjectIdentifier>(), out: [Definition] = []
    func walk(_ t: Term) {
      if case let .reference(d, _) = t.node, seen.insert(ObjectIdentifier(d)).inserted { out.append(d) }
      t.children.forEach(walk)
    }
    walk(t)
    return out
  }

  /// Whether `t` accesses `x` itself, outside definitions.
  func readsX(_ t: Term) -> Bool {
    if case let .access(a, _) = t.node, a.name == x.name { return true }
    return t.children.contains(where: readsX)
  }

  /// The definitions a `vjp`'s output reaches: the forward values.
  static func forward(of output: Term) -> Set<ObjectIdentifier> {
    Set(reachable(from: [output]).map(ObjectIdentifier.init))
  }

  /// The statement's backward definitions (its cotangents and their helpers): those its right side
  /// reaches that the differentiated output does not, in `reachable`'s order.
  static func backward(_ rhs: Term, output: Term) -> [Definition] {
    let forward = forward(of: output)
    return reachable(from: [rhs]).filter { !forward.contains(ObjectIdentifier($0)) }
  }

  /// Every definition reachable from `terms`, each once.
  static func reachable(from terms: [Term]) -> [Definition] {
    var seen = Set<ObjectIdentifier>(), out: [Definition] = []
    func walk(_ t: Term) {
      if case let .reference(d, _) = t.node, seen.insert(ObjectIdentifier(d)).inserted { out.append(d); walk(d.body) }
      if case let .vjp(v) = t.node { walk(v.output) }
      t.children.forEach(walk)
    }
    terms.forEach(walk)
    return out
  }
}
