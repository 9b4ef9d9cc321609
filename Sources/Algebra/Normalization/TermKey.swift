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
  var key: String { (DefinitionKeys.shared.folding(self) ?? self).alphaKey }

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
