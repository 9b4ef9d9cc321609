internal import ProofKernel

/// The index side of the exact and dual evaluators: the lowering they go through, the slot of each
/// free index met so far, and the slot values, with every piece of index arithmetic checked (the
/// environment may give a free index any `Int`).
///
/// One lowering lives as long as its evaluator: a term, or a definition's body, met again is a
/// lookup, and lowered terms keep their ids (the memo keys of references).
struct SlotValues: Sendable {
  let environment: Environment
  var lowering: Lowering
  /// The slot of each free index met so far.
  private(set) var free: [String: Int] = [:]
  /// The free indices without a value, by slot: reading one throws `missingIndex`.
  private var missing: [Int: String] = [:]
  /// The slot values: free indices, then the bound indices of the loops being enumerated.
  var values: [Int] = []

  /// - Parameter keepsDerivatives: `D` and `vjp` are kept for the dual evaluator (else refused).
  init(_ environment: Environment, keepsDerivatives: Bool) {
    self.environment = environment
    lowering = Lowering(checkedDimensions: environment.dimensions, keepsDerivatives: keepsDerivatives)
  }

  private init(environment: Environment, lowering: Lowering, free: [String: Int]) {
    self.environment = environment
    self.lowering = lowering
    self.free = free
    grow(to: lowering.slotCount)
    for (name, slot) in free {
      if let v = environment.indices[name] { values[slot] = v } else { missing[slot] = name }
    }
  }

  /// This lowering and these free-index slots for `environment`, which has the same dimensions (the
  /// lowering substituted them): a term lowered before is a lookup. A numeric check's trials at sizes
  /// met before lower nothing again.
  func rebound(to environment: Environment) -> SlotValues {
    precondition(environment.dimensions == self.environment.dimensions, "a lowering is made for one set of sizes")
    return SlotValues(environment: environment, lowering: lowering, free: free)
  }

  // MARK: - The front end

  /// Slots for the free indices `names` (a fresh one for a name not met before).
  mutating func scope(for names: Set<String>) -> [String: Int] {
    for name in names.sorted() where free[name] == nil {
      let slot = lowering.newSlot()
      free[name] = slot
      grow(to: slot + 1)
      if let v = environment.indices[name] { values[slot] = v } else { missing[slot] = name }
    }
    return free
  }

  /// What `lower` returns, with the slot values grown to the new slots and the lowering's errors as
  /// `EvaluationError`s.
  mutating func lowered<T>(_ lower: (inout Lowering) throws(LoweringError) -> T) throws -> T {
    do {
      let result = try lower(&lowering)
      grow(to: lowering.slotCount)
      return result
    } catch {
      throw evaluationError(error)
    }
  }

  private mutating func grow(to count: Int) {
    if values.count < count { values += [Int](repeating: 0, count: count - values.count) }
  }

  /// The evaluators' name for what the lowering could not resolve.
  func evaluationError(_ error: LoweringError) -> EvaluationError {
    switch error {
    case let .unknownDimension(name):
      if let n = environment.dimensions[name] { return .invalidDimension(name, value: n) }
      return .missingDimension(name)
    case let .unboundIndex(name): return .missingIndex(name)
    case let .tooLarge(what): return .overflow(what)
    case let .jointlyBounded(binders, g): return .unsupported("the guard \(g) does not bound \(binders.joined(separator: ", "))")
    case let .reference(name): return .unsupported("the reference \(name)")
    case let .unfolding(_, reason): return .overflow(reason)
    case let .derivative(what): return .unsupported(what.hasPrefix("D") ? "D" : "vjp")
    }
  }

  // MARK: - Index arithmetic

  /// The value of `e` at the current slot values.
  /// - Throws: `missingIndex` for a free index without a value, `overflow` when the arithmetic
  ///   leaves `Int`.
  func evaluate(_ e: LoweredAffine) throws -> Int {
    if !missing.isEmpty, let name = e.slots.lazy.compactMap({ self.missing[$0] }).first {
      throw EvaluationError.missingIndex(name)
    }
    guard let v = e.checkedValue(values) else { throw EvaluationError.overflow(e.source.map { "\($0)" } ?? "an index") }
    return v
  }

  /// True when every constraint holds at the current slot values.
  func holds(_ constraints: [LoweredConstraint]) throws -> Bool {
    for c in constraints {
      let v = try evaluate(c.expression)
      if c.isEquality ? v != 0 : v < 0 { return false }
    }
    return true
  }

  /// The value of `e` at the environment's free indices and dimensions: a shape, or a guard's
  /// constraint outside any term (no lowering: this runs once per point in brute-force checks).
  func evaluate(_ e: Affine) throws -> Int {
    var total = e.constant
    for (variable, k) in e.terms {
      let x: Int
      switch variable {
      case let .dimension(name):
        do { x = try lowering.size(name) } catch { throw evaluationError(error) }
      case let .index(name):
        guard let v = environment.indices[name] else { throw EvaluationError.missingIndex(name) }
        x = v
      }
      let (product, o1) = k.multipliedReportingOverflow(by: x)
      let (sum, o2) = total.addingReportingOverflow(product)
      if o1 || o2 { throw EvaluationError.overflow("\(e)") }
      total = sum
    }
    return total
  }

  /// True when every constraint of `g` holds at the environment's free indices.
  func holds(_ g: Guard) throws -> Bool {
    if g.isFalse { return false }
    for c in g.constraints {
      let v = try evaluate(c.expression)
      if c.relation == .equal ? v != 0 : v < 0 { return false }
    }
    return true
  }

  /// The tensor an access reads and the row-major offset of its entry, nil outside the shape (the
  /// entry is 0 there).
  /// - Throws: `missingTensor`, or `shapeMismatch` when the value's shape is not the declared one.
  func entry(_ a: LoweredAccess) throws -> (tensor: TensorValue, offset: Int)? {
    guard let value = environment.tensors[a.tensor] else { throw EvaluationError.missingTensor(a.tensor) }
    guard a.shape == value.shape else {
      throw EvaluationError.shapeMismatch(tensor: a.tensor, declared: a.shape, given: value.shape)
    }
    var offset = 0
    for (e, n) in zip(a.indices, a.shape) {
      let k = try evaluate(e)
      guard k >= 0, k < n else { return nil }
      offset = offset * n + k
    }
    return (value, offset)
  }
}

/// An evaluator over the lowered form: what enumerating a loop plan and the strong-zero product
/// (`StrongZeroProduct.swift`) need of it.
protocol SlotEvaluator {
  /// What a term evaluates to: a rational, or a dual number.
  associatedtype Value: StrongZeroFactor
  var indices: SlotValues { get set }
  mutating func evaluate(_ t: LoweredTerm) throws -> Value
}

extension SlotEvaluator {
  /// Calls `visit` at each point of `loop`, with its slots set; stops when `visit` returns false.
  /// The points are the guard's integer points, each once (`LoweredLoop`).
  mutating func forEachPoint(of loop: LoweredLoop, _ visit: (inout Self) throws -> Bool) throws {
    guard try indices.holds(loop.outer) else { return }
    let box = loop.joint == nil ? nil : try loop.box(indices.values)
    _ = try enumerate(loop, level: 0, box, visit)
  }

  /// Enumerates the loop's levels from `level` on; false when `visit` asked to stop.
  private mutating func enumerate(
    _ loop: LoweredLoop, level: Int, _ box: [ClosedRange<Int>]?, _ visit: (inout Self) throws -> Bool
  ) throws -> Bool {
    if level == loop.slots.count { return try visit(&self) }
    let name = loop.binders[level]
    var lower = Int.min, upper = Int.max
    for b in loop.levels[level] {
      // Any Int may come in; the negations `narrow` performs must not overflow.
      let rest = try indices.evaluate(b.rest)
      _ = try checkedNegation(rest, in: "the bounds of \(name)")
      _ = try checkedNegation(b.coefficient, in: "the bounds of \(name)")
      guard LoweredLoop.narrow(&lower, &upper, isEquality: b.isEquality, coefficient: b.coefficient, rest: rest) else { return true }
    }
    guard lower <= upper else { return true }
    var range = lower...upper
    if let limit = box?[level] {
      guard range.overlaps(limit) else { return true }
      range = range.clamped(to: limit)
    }
    if range.lowerBound == .min || range.upperBound == .max {
      throw EvaluationError.unsupported("indices over a guard that does not bound \(name)")
    }
    let slot = loop.slots[level]
    for v in range {
      indices.values[slot] = v
      if try !enumerate(loop, level: level + 1, box, visit) { return false }
    }
    return true
  }
}
