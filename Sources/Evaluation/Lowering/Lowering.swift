internal import Exact
public import ProofKernel

/// The front end shared by every numeric back end: resolves kernel terms at concrete dimension
/// sizes into `LoweredTerm`s. The one place that turns binders into slots, substitutes dimensions,
/// plans a guard's loops (through `GuardEnumeration`, the exact evaluator's order) and gives tensor
/// accesses their offsets.
///
/// The meaning is the kernel's (Docs/Semantics.md), unchanged: nothing is rewritten, only names
/// are resolved. A reference `d[args]` is its definition's body with the parameters bound (the
/// `unfold` rule) when `unfoldsReferences`, else refused.
///
/// ```swift
/// var lowering = Lowering(dimensions: ["n": 4])
/// let i = lowering.newSlot()
/// let y = try lowering.lower(term, ["i": i])    // term: x[i] * sigmoid(x[i])
/// // y.node == .mul([access x[slot 0], apply(sigmoid, <the same access>)])
/// ```
///
/// - Complexity: each distinct (subterm, slots) pair is lowered once; a repeated one is a
///   dictionary lookup (hashing the subterm).
public struct Lowering: Sendable {
  /// The size of each dimension.
  public let dimensions: [String: Int]
  /// Whether a reference is unfolded (the trainer) or refused (the gradient audit, which
  /// evaluates layer outputs itself).
  public let unfoldsReferences: Bool
  /// Whether a reference `d[args]` is read from a table of `d`'s values (an access of the tensor
  /// `Lowering.tableName(d)` with `d`'s shape), which the back end fills once per binding (the
  /// gradient audit's memoized definitions). Takes precedence over `unfoldsReferences`.
  public let tabulatesReferences: Bool
  /// The number of slots handed out: a back end's slot array needs this many entries.
  public private(set) var slotCount = 0
  private var memo: [Key: LoweredTerm] = [:]
  private var count = 0

  private struct Key: Hashable {
    let term: Term
    let reads: [Int]
  }

  /// Propositions lowered so far, by the slots their free indices read: a hypothesis decided again
  /// (at every sample of a numeric check) is a lookup, and its `forall` takes no new slots.
  var propositions: [PropositionKey: LoweredProposition] = [:]

  struct PropositionKey: Hashable {
    let proposition: Proposition
    let reads: [Int]
  }

  /// Whether index arithmetic is left to the back end to check (`LoweredAffine.checkedValue`), with
  /// no `LoweredAffine.limit`, and guards that bound their indices only jointly get a box
  /// (`LoweredLoop.box`): the exact back ends, which take any `Int` as a free index.
  let checksArithmetic: Bool

  /// Whether `D` and `vjp` are kept (`LoweredTerm.derivative`) rather than refused: the dual
  /// evaluator gives them their meaning.
  let keepsDerivatives: Bool

  public init(dimensions: [String: Int], unfoldsReferences: Bool = true, tabulatesReferences: Bool = false) {
    self.dimensions = dimensions
    self.unfoldsReferences = unfoldsReferences
    self.tabulatesReferences = tabulatesReferences
    self.checksArithmetic = false
    self.keepsDerivatives = false
  }

  /// The lowering of the exact and dual evaluators: references unfolded, arithmetic checked by the
  /// back end, jointly bounded guards accepted, derivatives kept when asked.
  init(checkedDimensions dimensions: [String: Int], keepsDerivatives: Bool) {
    self.dimensions = dimensions
    self.unfoldsReferences = true
    self.tabulatesReferences = false
    self.checksArithmetic = true
    self.keepsDerivatives = keepsDerivatives
  }

  /// The tensor name a tabulated reference to `d` reads: not an identifier, so no tensor's.
  public static func tableName(_ d: Definition) -> String { "definition \(d.name)" }

  /// A fresh index slot (for a free index of the term to lower).
  public mutating func newSlot() -> Int {
    slotCount += 1
    return slotCount - 1
  }

  /// `t` lowered, its free indices read from the slots `scope` gives them.
  /// - Throws: `LoweringError` naming the dimension, index, guard or former that cannot be lowered.
  public mutating func lower(_ t: Term, _ scope: [String: Int]) throws(LoweringError) -> LoweredTerm {
    try lower(t, FreeIndexTree(t), scope)
  }

  /// `t` lowered, `free` its free indices and its subterms' (`FreeIndexTree(t)`, which a caller
  /// that needed the names for `scope` has made already).
  mutating func lower(_ t: Term, _ free: FreeIndexTree, _ scope: [String: Int]) throws(LoweringError) -> LoweredTerm {
    let reads = try Lowering.reads(free.names, scope)
    let key = Key(term: t, reads: reads)
    if let known = memo[key] { return known }
    // Before taking an id: the children take theirs first.
    let derivative = keepsDerivatives ? try derivativeFormer(t, free, scope) : nil
    let node = derivative == nil ? try node(t, free, scope) : .named(derivative!.former)
    let lowered = LoweredTerm(id: count, node: node, reads: reads, term: t, derivative: derivative)
    count += 1
    memo[key] = lowered
    return lowered
  }

  /// The slots of the free indices `names`, in name order (the memo keys' part that says where a
  /// term or proposition reads).
  static func reads(_ names: Set<String>, _ scope: [String: Int]) throws(LoweringError) -> [Int] {
    try names.sorted().map { name throws(LoweringError) -> Int in
      guard let slot = scope[name] else { throw LoweringError.unboundIndex(name) }
      return slot
    }
  }

  private mutating func node(_ t: Term, _ free: FreeIndexTree, _ scope: [String: Int]) throws(LoweringError) -> LoweredTerm.Node {
    switch t.node {
    case let .constant(q):
      return .constant(q)
    case let .dimension(name):
      return .constant(Rational(try size(name)))
    case let .named(name):
      return .named(name)
    case let .access(tensor, indices):
      let shape = try tensor.shape.map { e throws(LoweringError) in try affine(e, [:]).constant }
      let lowered = try indices.map { e throws(LoweringError) in try affine(e, scope) }
      return .access(LoweredAccess(tensor: tensor.name, shape: shape, indices: lowered))
    case let .bracket(g):
      return g.isFalse ? .constant(Rational(0)) : .bracket(try constraints(g, scope))
    case let .sum(binders, g, body):
      guard let (loop, inner) = try loop(binders, g, scope) else { return .constant(Rational(0)) }
      return .sum(loop, try lower(body, free.children[0], inner))
    case let .add(terms):
      return .add(try lower(terms, free.children, scope))
    case let .mul(factors):
      return .mul(try lower(factors, free.children, scope))
    case let .power(base, q):
      return .power(try lower(base, free.children[0], scope), q)
    case let .apply(f, argument):
      return .apply(f, try lower(argument, free.children[0], scope))
    case let .reference(d, arguments) where tabulatesReferences:
      let shape = try d.shape.map { e throws(LoweringError) in try affine(e, [:]).constant }
      let lowered = try arguments.map { e throws(LoweringError) in try affine(e, scope) }
      return .access(LoweredAccess(tensor: Lowering.tableName(d), shape: shape, indices: lowered))
    case let .reference(d, arguments):
      guard unfoldsReferences else { throw LoweringError.reference(d.name) }
      let body: Term
      do { body = try d.body.substituting(Dictionary(uniqueKeysWithValues: zip(d.parameters, arguments))) } catch {
        throw LoweringError.unfolding(d.name, reason: "\(error)")
      }
      return try node(body, FreeIndexTree(body), scope)
    case .derivative:
      throw LoweringError.derivative("D(...)")
    case .vjp:
      throw LoweringError.derivative("vjp(...) or grad(...)")
    }
  }

  private mutating func lower(_ terms: [Term], _ free: [FreeIndexTree], _ scope: [String: Int]) throws(LoweringError) -> [LoweredTerm] {
    var lowered: [LoweredTerm] = []
    lowered.reserveCapacity(terms.count)
    for (t, f) in zip(terms, free) { lowered.append(try lower(t, f, scope)) }
    return lowered
  }

  // MARK: - Indices and guards

  /// The size of dimension `name`.
  /// - Throws: `unknownDimension`, also (for the evaluators' lowering, whose environment may hold
  ///   any `Int`) for a size below 1.
  public func size(_ name: String) throws(LoweringError) -> Int {
    guard let n = dimensions[name], n >= 1 || !checksArithmetic else { throw LoweringError.unknownDimension(name) }
    return n
  }

  /// `e` with dimensions at their sizes and indices at their slots in `scope`; `excluding` drops
  /// one index (the one a loop level solves for).
  public func affine(_ e: Affine, _ scope: [String: Int], excluding: String? = nil) throws(LoweringError) -> LoweredAffine {
    var constant = e.constant
    var slots: [Int] = [], coefficients: [Int] = []
    for (variable, k) in e.terms {
      guard checksArithmetic || abs(k) <= LoweredAffine.limit else { throw LoweringError.tooLarge("\(e)") }
      switch variable {
      case let .dimension(name):
        let (product, o1) = k.multipliedReportingOverflow(by: try size(name))
        let (sum, o2) = constant.addingReportingOverflow(product)
        guard !o1, !o2 else { throw LoweringError.tooLarge("\(e)") }
        constant = sum
      case let .index(name):
        if name == excluding { continue }
        guard let slot = scope[name] else { throw LoweringError.unboundIndex(name) }
        slots.append(slot)
        coefficients.append(k)
      }
    }
    guard checksArithmetic || abs(constant) <= LoweredAffine.limit else { throw LoweringError.tooLarge("\(e)") }
    return LoweredAffine(constant: constant, slots: slots, coefficients: coefficients, source: e)
  }

  /// The constraints of `g` over the slots of `scope`; a false guard is one constraint that never
  /// holds.
  public func constraints(_ g: Guard, _ scope: [String: Int]) throws(LoweringError) -> [LoweredConstraint] {
    if g.isFalse { return [.never] }
    return try g.constraints.map { c throws(LoweringError) in
      LoweredConstraint(isEquality: c.relation == .equal, expression: try affine(c.expression, scope))
    }
  }

  /// The loops over `binders` through `g` (a `sum`'s or a `forall`'s), with a fresh slot for each
  /// binder, and the scope inside them; nil when `g` is false (no points).
  /// - Throws: `jointlyBounded` when no nesting order bounds each index from the outer ones.
  public mutating func loop(_ binders: [String], _ g: Guard, _ scope: [String: Int]) throws(LoweringError) -> (LoweredLoop, [String: Int])? {
    guard let plan = GuardEnumeration(binders, g) else { return nil }
    guard !plan.needsBox || checksArithmetic else { throw LoweringError.jointlyBounded(binders: binders, guard: "\(g)") }
    var inner = scope
    for b in binders { inner[b] = newSlot() }
    let outer = try plan.outer.map { c throws(LoweringError) in
      LoweredConstraint(isEquality: c.relation == .equal, expression: try affine(c.expression, inner))
    }
    var levels: [[LoweredLoop.Bound]] = []
    for (b, constraints) in zip(plan.order, plan.levels) {
      levels.append(try constraints.map { c throws(LoweringError) in
        LoweredLoop.Bound(
          isEquality: c.relation == .equal, coefficient: c.expression.coefficient(of: .index(b)),
          rest: try affine(c.expression, inner, excluding: b))
      })
    }
    let joint = plan.needsBox ? try jointRows(plan, inner) : nil
    let loop = LoweredLoop(slots: plan.order.map { inner[$0]! }, binders: plan.order, outer: outer, levels: levels, joint: joint)
    return (loop, inner)
  }

  /// The rows of `LoweredLoop.box`: each level constraint split into its terms over the loop's own
  /// indices (by level) and the rest over outer slots; an equality also negated.
  private func jointRows(_ plan: GuardEnumeration, _ inner: [String: Int]) throws(LoweringError) -> [LoweredLoop.JointRow] {
    let level = Dictionary(uniqueKeysWithValues: plan.order.enumerated().map { ($1, $0) })
    let own = Set(plan.order.map { inner[$0]! })
    var rows: [LoweredLoop.JointRow] = []
    for c in plan.levels.joined() {
      let all = try affine(c.expression, inner)
      let rest = zip(all.slots, all.coefficients).filter { !own.contains($0.0) }
      let terms = c.expression.terms.compactMap { t -> (Int, Int)? in
        guard case let .index(name) = t.variable, let l = level[name] else { return nil }
        return (l, t.coefficient)
      }
      let row = { (negated: Bool) in
        LoweredLoop.JointRow(
          levels: terms.map(\.0), coefficients: terms.map(\.1),
          rest: LoweredAffine(constant: all.constant, slots: rest.map(\.0), coefficients: rest.map(\.1), source: c.expression),
          negated: negated)
      }
      rows.append(row(false))
      if c.relation == .equal { rows.append(row(true)) }
    }
    return rows
  }
}
