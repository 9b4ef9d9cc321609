internal import ProofKernel
import Synchronization

// The engine's comparison key. The kernel's `alphaKey` prints a definition's body in full, so a
// key of `tanh(z32[h])` prints the whole network below layer 32: every sort, merge and power match
// of a deep network cost time in proportion to its depth (issue 23). The engine only proposes
// steps, so its keys need not be the kernel's: here a definition prints as its name and a digest
// of its content, computed once per definition, and a key is as short as the term it is of.

extension Term {
  /// A key equal for terms that are equal up to renaming bound indices (as `alphaKey`), where a
  /// reference to a definition counts as one atom: its name and a digest of its content.
  ///
  /// Deterministic (the digest is of the content, never of an address), so that normal forms, and
  /// the certificates built from them, are the same in every run. Two different definitions with
  /// one name and one 64-bit digest would share a key; the kernel, which compares the terms
  /// themselves, would then refuse a step, never accept a wrong one.
  /// - Complexity: linear in the size of the term, definitions counted as one node each (a
  ///   definition's digest is computed on its first use, in the size of its body).
  var key: String {
    let entry = KeyCache.Shallow(term: self)
    if let known = KeyCache.shared.key(of: entry) { return known }
    let key = (DefinitionKeys.shared.folding(self) ?? self).alphaKey
    KeyCache.shared.remember(key, of: entry)
    return key
  }

  /// `Term.sum(binders, g, self).key`, remembered by its parts: sorting a monomial's factors asks
  /// for it once per factor, and merging the monomial asks again (`Monomial.mergeKey`).
  func key(under binders: [String], _ g: Guard) throws -> String {
    let entry = KeyCache.Shallow(term: self, binders: binders, guard: g)
    if let known = KeyCache.shared.key(of: entry) { return known }
    let sum = try Term.sum(binders, g, self)
    let key = (DefinitionKeys.shared.folding(sum) ?? sum).alphaKey
    KeyCache.shared.remember(key, of: entry)
    return key
  }

  /// The guard `b == 0` for each of `binders`, to key the factors of a monomial with these
  /// binders without its guard: `key(under: binders, pinning(binders))`.
  ///
  /// `key(under: binders, g)` prints `(S n G body)`, with `G` the guard's text; for one guard,
  /// every factor's key starts with the same `(S n G `, so comparing two of them compares what
  /// follows. This guard bounds the binders, and under them (printed by position) its text
  /// depends only on their number; so what follows is the same, and two factors of one monomial,
  /// or two monomials of one guard and number of binders, compare as under their own guard
  /// (`FactorKeyTests`). A convolution's guard holds a dozen constraints; it was printed and
  /// hashed once per factor.
  static func pinning(_ binders: [String]) throws -> Guard {
    try Guard(equal: try binders.map { try Affine.index($0) })
  }

  /// Whether the two terms have the same `key`.
  func sameKey(as other: Term) -> Bool { self == other || key == other.key }
}

/// The digests of definitions, each computed once, and the tensor that stands for a definition in
/// keys: `def·name·digest`, read at the reference's arguments.
final class DefinitionKeys: Sendable {
  static let shared = DefinitionKeys()

  /// By definition: the definition itself (so that its identifier is not reused while the entry
  /// lives) and its stand-in. Cleared when it grows past `limit`, then filled again on use.
  private let table = Mutex<[ObjectIdentifier: (definition: Definition, symbol: TensorSymbol)]>([:])
  private static let limit = 4_096

  /// `t` with every reference (also inside a `vjp`'s output) replaced by its stand-in; nil when
  /// there is none.
  func folding(_ t: Term) -> Term? {
    switch t.node {
    case let .reference(d, args): return try? .access(symbol(for: d), args)
    case let .vjp(v):
      guard let output = folding(v.output) else { return nil }
      return try? .vjp(output, binders: v.binders, shape: v.shape, wrt: v.wrt, seed: v.seed, at: v.at)
    default:
      let children = t.children
      guard !children.isEmpty else { return nil }
      let folded = children.map(folding)
      guard folded.contains(where: { $0 != nil }) else { return nil }
      return try? t.replacingChildren(zip(children, folded).map { $1 ?? $0 })
    }
  }

  /// The stand-in of `d`: its name and a digest of its parameters' count, its shape and its body
  /// (parameters printed by position, definitions it refers to by their own stand-ins).
  func symbol(for d: Definition) throws -> TensorSymbol {
    if let known = table.withLock({ $0[ObjectIdentifier(d)] }) { return known.symbol }
    let body = folding(d.body) ?? d.body
    let bound = try Term.sum(d.parameters, d.shape.enumerated().reduce(Guard.true) { g, axis in
      try g.and(Guard.axis(d.parameters[axis.offset], size: axis.element))
    }, body)
    let content = "\(d.name) \(d.parameters.count) \(d.shape.map(\.description)) \(bound.alphaKey)"
    let symbol = try TensorSymbol("def_\(d.name)_\(String(Self.digest(content), radix: 16))", shape: d.shape)
    table.withLock { table in
      if table.count >= Self.limit { table.removeAll() }
      table[ObjectIdentifier(d)] = (d, symbol)
    }
    return symbol
  }

  /// FNV-1a, 64 bits: deterministic across runs, unlike `Hasher`.
  static func digest(_ s: String) -> UInt64 {
    s.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
  }
}

/// The keys already printed, by term: a normal form's atoms (the nested `relu` arguments of max
/// pooling) are keyed again by every merge and sort of every normalization, and printing them was
/// a fifth of the engine's time (Docs/Engine.md, performance). A key is a function of the term, so
/// the table changes no answer. A term's look-up hashes only its first nodes (`Shallow`): a full
/// hash reads the whole term, which costs about what printing it does, while `==` on equal terms
/// is cheaper and on different ones usually stops early.
final class KeyCache: Sendable {
  static let shared = KeyCache()
  private let table = Mutex<[Shallow: String]>([:])
  /// Entries kept before the table is emptied (then filled again on use).
  private static let limit = 8_192

  func clear() { table.withLock { $0.removeAll() } }

  func key(of entry: Shallow) -> String? { table.withLock { $0[entry] } }

  func remember(_ key: String, of entry: Shallow) {
    table.withLock { table in
      if table.count >= Self.limit { table.removeAll() }
      table[entry] = key
    }
  }

  /// A term (under `binders` bound by `guardTerm`, none by default) hashed by its first nodes,
  /// breadth first: their kinds, names, indices and constants.
  struct Shallow: Hashable {
    let term: Term
    let binders: [String]
    let guardTerm: Guard

    init(term: Term, binders: [String] = [], guard g: Guard = .true) {
      self.term = term
      self.binders = binders
      guardTerm = g
    }

    /// The same term, with definitions compared as objects: two copies of one definition
    /// (`chain-def` rebuilds them) count as different, which costs a key printed again, while
    /// comparing their contents walks the network below them, once per path through it (time
    /// cubic in a model's depth).
    static func == (a: Shallow, b: Shallow) -> Bool {
      a.binders == b.binders && a.guardTerm == b.guardTerm && identical(a.term, b.term)
    }

    static func identical(_ a: Term, _ b: Term) -> Bool {
      switch (a.node, b.node) {
      case let (.reference(d, i), .reference(e, j)): return d === e && i == j
      case let (.sum(bs, g, s), .sum(cs, h, t)): return bs == cs && g == h && identical(s, t)
      case let (.add(s), .add(t)), let (.mul(s), .mul(t)): return s.count == t.count && zip(s, t).allSatisfy { identical($0, $1) }
      case let (.power(s, p), .power(t, q)): return p == q && identical(s, t)
      case let (.apply(f, s), .apply(g, t)): return f == g && identical(s, t)
      default: return a == b  // a leaf, or forms that differ, or `D` and `vjp` (rare in keys)
      }
    }

    func hash(into h: inout Hasher) {
      h.combine(binders)
      h.combine(guardTerm)
      var queue = [term]
      for k in 0..<Self.nodes where k < queue.count {
        let t = queue[k]
        switch t.node {
        case let .constant(q): h.combine(0); h.combine(q)
        case let .dimension(d), let .named(d): h.combine(1); h.combine(d)
        case let .access(x, i): h.combine(2); h.combine(x.name); h.combine(i)
        case let .bracket(g): h.combine(3); h.combine(g.constraints.count)
        case let .sum(bs, g, _): h.combine(4); h.combine(bs.count); h.combine(g.constraints.count)
        case let .add(ts): h.combine(5); h.combine(ts.count)
        case let .mul(ts): h.combine(6); h.combine(ts.count)
        case let .power(_, q): h.combine(7); h.combine(q)
        case let .apply(f, _): h.combine(8); h.combine(f)
        case let .reference(d, i): h.combine(9); h.combine(d.name); h.combine(i)
        case .derivative, .vjp: h.combine(10)
        }
        if queue.count < Self.nodes { queue += t.children }
      }
    }

    private static let nodes = 16
  }
}
