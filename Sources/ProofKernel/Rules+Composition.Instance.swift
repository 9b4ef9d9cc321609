// Instantiating a tensor variable with a term: how `chain` puts the inner function into the outer.

import Synchronization

/// `u := (params -> value)`: every access `u[e]` becomes `value[params := e]`, times the bracket
/// `[0 <= e < shape(u)]` unless the guards around the access already state it. A tensor variable
/// is zero outside its shape and `value` need not be, so the bracket is what makes the result the
/// outer term evaluated at the tensor whose entries are `value` on the shape of `u`.
struct TensorInstance {
  let tensor: TensorSymbol
  let parameters: [String]
  let value: Term
  let rule: String
  /// `chain-def`: the definition `u[parameters] = value` that `u[e]` reads instead (`d[e]`), and
  /// the definitions mentioning `u` rebuilt, once each per whether their sites are in their shape.
  var definition: Definition? = nil
  /// The copies made, across rule calls, by the numbers of the definition copied and of `u`'s
  /// definition (which names `u` and its shape), and the site kind: a copy is a function of those
  /// contents, and one number means one content (Docs/Rules.md, "A note on chain-def's copies").
  /// Weak: a copy no theorem holds is made again.
  private struct Made { weak var copy: Definition? }
  private static let made = Mutex<[[Int]: Made]>([:])

  /// `t` instantiated; `known` are the constraints that hold where `t` is evaluated.
  /// - Throws: where `u` occurs inside a definition, a `D` or a `vjp` (no plain substitution
  ///   reaches it there), or under its name with another shape.
  func apply(_ t: Term, known: Set<Constraint>) throws -> Term {
    switch t.node {
    case let .access(x, idx) where x.name == tensor.name:
      guard x == tensor else { throw refusal("\(x.name) occurs with two shapes") }
      let entry = try definition.map { try Term.reference($0, idx) } ?? value.substituting(Dictionary(uniqueKeysWithValues: zip(parameters, idx)))
      let (inside, built) = try tensor.knownInShape(idx, where: known)
      return inside ? entry : .mul([.bracket(built!), entry])
    case let .sum(bs, g, body):
      return try .sum(bs, g, apply(body, known: Self.entering(bs, g, known)))
    case let .reference(d, args) where definition != nil:
      // Rebuilt with `u` instantiated in its body; where every site reads it inside its shape, its
      // parameters are known in its shape there (a copy is used only at such sites).
      let shape = try TensorSymbol(d.name, shape: d.shape)
      let inShape = try shape.knownInShape(args, where: known).inside
      let key = [d.number, inShape ? 1 : 0, definition!.number]
      if let made = Self.made.withLock({ $0[key]?.copy }) { return try .reference(made, args) }
      let own = inShape ? try shape.shapeGuard(d.parameters.map { try Affine.index($0) }).constraints : []
      let body = try apply(d.body, known: Set(own))
      let copy = body == d.body ? d : try Definition(d.name, parameters: d.parameters, shape: d.shape, body: body)
      Self.made.withLock { $0[key] = Made(copy: copy) }
      return try .reference(copy, args)
    case .reference, .derivative, .vjp:
      guard !t.mentions(tensor.name) else { throw refusal("\(tensor.name) occurs inside \(t)") }
      return t
    default:
      return try t.replacingChildren(t.children.map { try apply($0, known: known) })
    }
  }

  func apply(_ h: Proposition, known: Set<Constraint> = []) throws -> Proposition {
    switch h {
    case let .equal(a, b): return .equal(try apply(a, known: known), try apply(b, known: known))
    case let .nonZero(t): return .nonZero(try apply(t, known: known))
    case let .positive(t): return .positive(try apply(t, known: known))
    case .holds: return h
    case let .forAll(bs, g, body): return .forAll(bs, g, try apply(body, known: Self.entering(bs, g, known)))
    }
  }

  /// The constraints known under binders `bs` with guard `g`: the outer ones that do not speak of
  /// an index `bs` rebinds, and `g`'s.
  static func entering(_ bs: [String], _ g: Guard, _ known: Set<Constraint>) -> Set<Constraint> {
    // Bound names are usually fresh: then nothing is shadowed and the set is not filtered.
    let kept = known.contains { $0.expression.mentionsIndex(in: bs) } ? known.filter { !$0.expression.mentionsIndex(in: bs) } : known
    return g.isFalse ? kept : kept.union(g.constraints)
  }

  private func refusal(_ reason: String) -> KernelError { .ruleMismatch(rule: rule, reason: reason) }
}

extension TensorSymbol {
  /// Whether `known` holds every constraint of `shapeGuard(indices)`: by `isKnownInShape` where it
  /// decides, else by the guard, which is returned then (the bracket an access outside needs).
  func knownInShape(_ indices: [Affine], where known: Set<Constraint>) throws -> (inside: Bool, built: Guard?) {
    if try isKnownInShape(indices, where: known) { return (true, nil) }
    let g = try shapeGuard(indices)
    return (!g.isFalse && g.constraints.allSatisfy(known.contains), g)
  }

  /// True when `known` holds every constraint of `shapeGuard(indices)`, decided without building the
  /// guard where no two of the axes' constraints have the same variable part, and opposite ones
  /// leave room between them (`i >= 0` and `2 - i >= 0`): the canonical guard is then those
  /// constraints, less the ones over dimensions alone that hold (Docs/Rules.md, "A note on
  /// shortcuts in replay"). False where that does not apply, or where a constraint is not known;
  /// the guard built decides then.
  func isKnownInShape(_ indices: [Affine], where known: Set<Constraint>) throws -> Bool {
    var parts: [(part: Affine, constant: Int)] = []  // a few axes: searched in line, not hashed
    for (e, size) in zip(indices, shape) {
      for side in [e, try size.plus(.constant(-1)).plus(e.scaled(by: -1))] {
        guard let canonical = try Constraint.canonical(.nonNegative, side) else { return false }
        guard let c = canonical else { continue }
        let part = Affine(constant: 0, canonical: c.expression.terms), opposite = try part.scaled(by: -1)
        guard !parts.contains(where: { $0.part == part }) else { return false }
        if let other = parts.first(where: { $0.part == opposite }), try Checked.add(other.constant, c.expression.constant) <= 0 { return false }
        parts.append((part, c.expression.constant))
        if !c.expression.isKnownNonNegative, !known.contains(c) { return false }
      }
    }
    return true
  }
}
