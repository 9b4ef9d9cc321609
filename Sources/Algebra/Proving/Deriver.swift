internal import Exact
public import ProofKernel

/// A backward rule computed from a layer's forward formula alone, and its proof.
public struct DerivedRule: Sendable {
  /// The rule as a statement (`vjp(o: S -> y[o], x, dy)[i] = g` or `grad(y, x)[i] = g`).
  public var statement: Statement
  /// The proof of the statement (also when it failed, which would be an engine bug).
  public var outcome: ProofOutcome
  /// `vjp x[i] = g`, ready to paste into the layer.
  public var text: String
}

/// `derive`: reads each VJP off the normal form of `sum(o) dy[o] * D y(o) [x := dx]` (or
/// `D y [x := dx]` for a scalar output), then proves the rule it read.
public enum Deriver {
  public static func derive(_ layer: LayerDeclaration, wrt x: TensorSymbol) throws -> DerivedRule {
    let builder = ProofBuilder()
    let y = layer.output
    let output = try Term.reference(y, y.parameters.map { try Affine.index($0) })
    var normalizer = Normalizer(avoiding: Prover.names(in: [output]))
    var dxName = "d" + x.name
    let taken = Prover.tensorNames(in: [output]).union(layer.seed.map { [$0.name] } ?? [])
    while taken.contains(dxName) { dxName += "_" }
    let dx = try TensorSymbol(dxName, shape: x.shape)
    let derivative = try Term.derivative(output, x, along: dx)
    let paired: Term
    if let seed = layer.seed {
      let os = try y.parameters.map { try Affine.index($0) }
      paired = try .sum(y.parameters, seed.shapeGuard(os), .mul([try .access(seed, os), derivative]))
    } else {
      paired = derivative
    }
    var chain = try builder.start(paired)
    var ms = try normalizer.normalize(&chain, at: [])
    ms = try Prover.straighten(&chain, ms, along: dx, keeping: layer.seed, &normalizer)
    let context = Statement(name: layer.name, location: layer.location, lhs: paired, rhs: paired,
                            assumptions: layer.assumptions, indices: [])
    ms = try Prover.useHypotheses(&chain, ms, context, &normalizer)

    let names = freeNames(for: x, avoiding: Set(layer.dimensions))
    let at = try names.map { try Affine.index($0) }
    let shape = try x.shapeGuard(at)
    var parts: [Term] = []
    for m in ms { parts.append(try share(of: m, dx, at, shape)) }
    let g = tidyNames(.add(parts), avoiding: Set(names).union(layer.dimensions))

    let lhs = try Term.vjp(output, binders: layer.seed == nil ? [] : y.parameters, shape: layer.seed == nil ? [] : y.shape,
                           wrt: x, seed: layer.seed, at: at)
    let statement = Statement(name: "\(layer.name).\(x.name)", location: layer.location, lhs: lhs, rhs: g,
                              assumptions: layer.assumptions, indices: Array(zip(names, x.shape)).map { ($0, $1) })
    let text = "vjp \(x.name)[\(names.joined(separator: ", "))] = \(TheoremLanguage.print(g))"
    return DerivedRule(statement: statement, outcome: Prover.prove(statement), text: text)
  }

  /// A monomial's share of the VJP: `dx[h]` removed, its bound indices `h` renamed to the rule's
  /// free indices and no longer summed, and the constraints that only restate the shape of `x`
  /// dropped (the rule is stated on that shape).
  private static func share(of m: Monomial, _ dx: TensorSymbol, _ at: [Affine], _ shape: Guard) throws -> Term {
    guard let k = m.factors.firstIndex(where: { if case let .access(t, _) = $0.atom.node { return t == dx } else { return false } }),
          m.factors[k].exponent == 1, case let .access(_, idx) = m.factors[k].atom.node else {
      throw ProofFailure.unsupported("a term of the derivative is not linear in \(dx.name)")
    }
    // A slot that is a bound index (its first occurrence) becomes the rule's free index; any other
    // slot — a constant (`b[0]`), a stride (`x[2 * i]`), a repeated index — becomes the constraint
    // that the free index equals it, `[k == 0] * ...`.
    var map: [String: Affine] = [:]
    var others: [(Affine, Affine)] = []
    for (e, free) in zip(idx, at) {
      if e.constant == 0, e.terms.count == 1, e.terms[0].coefficient == 1, case let .index(h) = e.terms[0].variable,
         m.binders.contains(h), map[h] == nil {
        map[h] = free
      } else {
        others.append((e, free))
      }
    }
    var share = m
    share.factors.remove(at: k)
    share.binders = m.binders.filter { map[$0] == nil }
    share.factors = try share.factors.map { (try $0.atom.substituting(map), $0.exponent) }
    var substituted = try m.guardTerm.substituting(map)
    for (e, free) in others {
      substituted = try substituted.and(try Guard(equal: [try free.plus(try e.substituting(map).scaled(by: -1))]))
    }
    let kept = substituted.constraints.filter { !shape.constraints.contains($0) }
    share.guardTerm = try Guard(kept)
    if share.binders.isEmpty {
      // Without sums left, a constraint that restates an accessed tensor's shape says nothing
      // (zero extension): `dy[4*i + 2*j + k]`, not `[0 <= 4*i + 2*j + k < 4*C] * dy[...]`.
      var restated = Set<Constraint>()
      for f in share.factors {
        if case let .access(t, i) = f.atom.node, let shape = try? t.shapeGuard(i) { restated.formUnion(shape.constraints) }
      }
      share.guardTerm = try Guard(share.guardTerm.constraints.filter { !restated.contains($0) })
    }
    return try share.term()
  }

  /// Names for the rule's free indices: i, j, k, l, ... (primed when taken).
  private static func freeNames(for x: TensorSymbol, avoiding used: Set<String>) -> [String] {
    var pool = ["i", "j", "k", "l", "m", "q", "r", "s"].makeIterator()
    var out: [String] = []
    var taken = used
    for _ in x.shape {
      var name = pool.next() ?? "i\(out.count)"
      while taken.contains(name) { name += "'" }
      taken.insert(name)
      out.append(name)
    }
    return out
  }

  /// Renames the engine's fresh bound indices (k1, k2, ...) to short unused letters, for reading.
  /// (The rule is proved after renaming, so nothing rests on this.)
  private static func tidyNames(_ t: Term, avoiding used: Set<String>) -> Term {
    var taken = used.union(Prover.names(in: [t]))
    var pool = ["o", "p", "q", "r", "s", "u", "v", "a", "b", "c", "e", "f"].makeIterator()
    func next() -> String {
      while let n = pool.next() { if taken.insert(n).inserted { return n } }
      var k = 1
      while !taken.insert("t\(k)").inserted { k += 1 }
      return "t\(k)"
    }
    func rename(_ t: Term) -> Term {
      guard case let .sum(bs, g, body) = t.node else {
        return (try? t.replacingChildren(t.children.map(rename))) ?? t
      }
      let names = bs.map { _ in next() }
      let map = Dictionary(uniqueKeysWithValues: zip(bs, names.map { try! Affine.index($0) }))
      guard let g2 = try? g.substituting(map), let b2 = try? body.substituting(map),
            let renamed = try? Term.sum(names, g2, rename(b2)) else { return t }
      return renamed
    }
    return rename(t)
  }
}

