import Evaluation
public import Exact
public import Intervals
public import ProofKernel

/// A certified formula compiled once into a loop plan over MPFI buffers, then evaluated at many
/// index values without allocating.
///
/// The plan is the term itself with names resolved by `Evaluation`'s `Lowering` (the front end the
/// trainer's formula layers share): every tensor access becomes a read of the storage (`PlanValues`) at
/// `offset + Σ index·stride`, every `sum` a loop whose bounds come from its guard, every index a
/// slot in an integer array, every dimension its size; here every rational constant becomes an
/// exact enclosure. Nothing is added or rewritten: the meaning is the kernel's (Docs/Semantics.md)
/// and the exact evaluator's (Docs/Evaluation.md) — an access outside the shape is 0, `[G]` is 1 or
/// 0, a product is 0 as soon as one factor is exactly 0, `step` is 1 above 0 and 0 below.
///
/// The one documented extension is `step` of an enclosure containing 0, where the certified rule's
/// side condition (`x != 0`) may fail: an exact 0 gives 0 (the convention of the trainer and of
/// `ExactEvaluator`) and is counted in `kinks`; an enclosure straddling 0 gives `[0, 1]`, which
/// holds both choices, and is counted in `undecidedKinks`.
///
/// Subterms with no free index (in a rule: the per-example `sum(j) exp(z[j])` of softmax) are
/// computed once per binding and cached until `invalidateCache()`.
///
/// A reference to a local definition (layer norm's `xhat[t, i]`, attention's `A[h, t, s]`) reads a
/// table: each definition the formula reaches is compiled as a plan of its own and evaluated at
/// every index of its shape once per binding, before the formula's first evaluation (`Table`). This
/// is the `unfold` rule's value, computed once instead of at every use; a reference outside the
/// definition's shape, where the table cannot give the unfolded body, is an error, not 0. `pi` is an
/// enclosure one ulp wide; `erf` and `gelu` are MPFI enclosures (`IntervalFunction`).
///
/// ```swift
/// let plan = try FormulaPlan(rule.formula, rule: "dense.W", freeIndices: ["o", "i"],
///                            tensors: ["dy": [10], "x": [784]], dimensions: ["O": 10, "I": 784])
/// plan.bind("dy", to: seeds, offset: b * 10)
/// plan.bind("x", to: inputs, offset: b * 784)
/// try plan.accumulate(at: [o, i], into: gradient, o * 784 + i)   // gradient[k] += dy[o] * x[i]
/// ```
///
/// The plan is generic over its storage (`PlanValues`): `FormulaPlan<IntervalVector>` encloses in
/// MPFI, `FormulaPlan<DoubleValues>` evaluates the same nodes in Float64.
///
/// Not thread-safe (one scratch vector per plan); make one plan per thread.
package final class FormulaPlan<Values: PlanValues> {
  /// The rule the formula belongs to, for errors.
  package let rule: String
  /// The precision of the scratch and cache, in bits.
  package let precision: Int
  /// `step` arguments that were exactly 0 since creation.
  package internal(set) var kinks = 0
  /// `step` arguments whose enclosure contained 0 and other numbers.
  package internal(set) var undecidedKinks = 0

  let root: Node
  let freeSlots: [Int]
  /// The index slots' values, behind a pointer the lowered loops and accesses read.
  let slots: UnsafeMutablePointer<Int>
  let scratch: Values
  let constants: Values
  let cache: Values
  let cacheValid: UnsafeMutablePointer<Bool>
  /// Per keyed cache entry, the values of the slots it read when computed (`Node.keyed`).
  var cacheKeys: [[Int]]
  let cacheCount: Int
  /// The bound vectors (kept alive here) and their shapes.
  var bindings: [Binding]
  /// The same vectors unretained, and their offsets, for the inner loops (`AccessCode`).
  let boundVectors: UnsafeMutablePointer<Unmanaged<Values>?>
  let boundOffsets: UnsafeMutablePointer<Int>
  let accessCode: UnsafeMutablePointer<Int>
  let tensorIDs: [String: Int]
  /// The root's two factors when it is a product of two accesses (`accumulate`'s fast path).
  let rootAccesses: (Int, Int)?
  /// The local definitions the formula reads (layer norm's `mu`, `rstd`, `xhat`; attention's `S`,
  /// `A`, `dA`, `dS`), in dependency order: each a table filled once per binding.
  let tables: [Table]
  /// The tables are filled from the current bindings.
  var tablesStale = true
  /// Every tensor the formula reads, itself or through a definition.
  package let readNames: Set<String>

  /// A definition `d[p: P, ...] = body`, compiled as a plan of its own over `d`'s parameters and
  /// evaluated at every index of its shape into `values`; the formula reads it as a tensor named
  /// `Lowering.tableName(d)`, only inside that shape.
  struct Table {
    let name: String
    let plan: FormulaPlan
    let values: Values
    let shape: [Int]
  }

  /// Compiles `term`.
  /// - Parameters:
  ///   - freeIndices: the term's free indices, in the order `evaluate(at:)` receives them.
  ///   - tensors: the actual shape of every tensor the term reads.
  ///   - dimensions: the size of every dimension symbol.
  ///   - named: values of named constants (none in the layer rules).
  /// - Throws: `GradientAuditError.unsupportedFormula` for what the plan does not evaluate (`D`,
  ///   `vjp`, fractional powers other than halves, named constants other than `pi` without a
  ///   value, sums bounded only jointly).
  ///   - strides: per tensor read in place from a larger one, its strides there (default: row-major
  ///     over its shape).
  package convenience init(
    _ term: Term, rule: String, freeIndices: [String], tensors: [String: [Int]], dimensions: [String: Int],
    named: [String: Rational] = [:], precision: Int = Interval.defaultPrecision, strides: [String: [Int]] = [:]
  ) throws(GradientAuditError) {
    // Each definition the formula reads (through others too) gets a plan and a table, in an
    // order where a definition's own references come first.
    var tables: [Table] = []
    var shapes = tensors
    let sizes = Lowering(dimensions: dimensions)
    for d in try Self.definitions(in: term, rule: rule) {
      let name = Lowering.tableName(d)
      let shape: [Int]
      do { shape = try d.shape.map { e throws(LoweringError) in try sizes.affine(e, [:]).constant } } catch {
        throw GradientAuditError.unsupportedFormula(rule: rule, reason: "definition \(d.name): \(error)")
      }
      let plan = try FormulaPlan(
        d.body, rule: "\(rule) (definition \(d.name))", freeIndices: d.parameters, tensors: shapes, dimensions: dimensions,
        named: named, precision: precision, strides: strides, tables: [])
      let values = Values(count: max(1, shape.reduce(1, *)), precision: precision)
      for earlier in tables where plan.tensorIDs[earlier.name] != nil { plan.bind(earlier.name, to: earlier.values) }
      tables.append(Table(name: name, plan: plan, values: values, shape: shape))
      shapes[name] = shape
    }
    try self.init(term, rule: rule, freeIndices: freeIndices, tensors: shapes, dimensions: dimensions, named: named,
                  precision: precision, strides: strides, tables: tables)
    for table in tables where tensorIDs[table.name] != nil { bind(table.name, to: table.values) }
  }

  /// The definitions `term` references, directly or through other definitions, each once, every
  /// definition after those its body references.
  static func definitions(in term: Term, rule: String) throws(GradientAuditError) -> [Definition] {
    var order: [Definition] = []
    var seen: [String: Definition] = [:]
    func visit(_ t: Term) throws(GradientAuditError) {
      switch t.node {
      case .reference(let d, _):
        if let known = seen[d.name] {
          guard known == d else { throw .unsupportedFormula(rule: rule, reason: "two definitions are named \(d.name)") }
          return
        }
        seen[d.name] = d
        try visit(d.body)
        order.append(d)
      case .sum(_, _, let body): try visit(body)
      case .add(let ts), .mul(let ts): for t in ts { try visit(t) }
      case .power(let t, _), .apply(_, let t): try visit(t)
      case .constant, .dimension, .named, .access, .bracket, .derivative, .vjp: break  // `D` and `vjp` are refused when compiled
      }
    }
    try visit(term)
    return order
  }

  private init(
    _ term: Term, rule: String, freeIndices: [String], tensors: [String: [Int]], dimensions: [String: Int],
    named: [String: Rational], precision: Int, strides: [String: [Int]], tables: [Table]
  ) throws(GradientAuditError) {
    self.rule = rule
    self.precision = precision
    self.tables = tables
    var compiler = Compiler(rule: rule, dimensions: dimensions, named: named, tensorShapes: tensors, strides: strides)
    var scope: [String: Int] = [:]
    for name in freeIndices { scope[name] = compiler.lowering.newSlot() }
    compiler.freeSlots = Set(scope.values)
    root = try compiler.compile(term, scope)
    freeSlots = freeIndices.map { scope[$0]! }
    let slotCount = max(compiler.lowering.slotCount, 1)
    slots = .allocate(capacity: slotCount)
    slots.initialize(repeating: 0, count: slotCount)
    scratch = Values(count: compiler.depth(of: root) + 4, precision: precision)
    constants = Values(count: compiler.constants.count, precision: precision)
    for (k, c) in compiler.constants.enumerated() { constants.set(k, to: c) }
    for k in compiler.piSlots { constants.setPi(k) }
    cacheCount = max(compiler.cacheCount, 1)
    cache = Values(count: cacheCount, precision: precision)
    cacheValid = .allocate(capacity: cacheCount)
    cacheValid.initialize(repeating: false, count: cacheCount)
    cacheKeys = compiler.cacheReads.map { Array(repeating: 0, count: $0.count) } + [[]]
    tensorIDs = compiler.tensorIDs
    bindings = compiler.tensorOrder.map { name in
      let shape = tensors[name]!
      // The last element read, plus one: row-major, or through the given strides.
      let extent = shape.contains(0) ? 0 : zip(shape, strides[name] ?? rowMajorStrides(shape)).reduce(1) { $0 + ($1.0 - 1) * $1.1 }
      return Binding(vector: nil, offset: 0, shape: shape, extent: extent)
    }
    readNames = Set(compiler.tensorOrder).union(tables.flatMap(\.plan.readNames)).subtracting(tables.map(\.name))
    let tensorCount = max(bindings.count, 1)
    boundVectors = .allocate(capacity: tensorCount)
    boundVectors.initialize(repeating: nil, count: tensorCount)
    boundOffsets = .allocate(capacity: tensorCount)
    boundOffsets.initialize(repeating: 0, count: tensorCount)
    let code = compiler.accesses.code
    accessCode = .allocate(capacity: max(code.count, 1))
    accessCode.initialize(from: code, count: code.count)
    if case .mul(let factors) = root, factors.count == 2, case .access(let a) = factors[0], case .access(let b) = factors[1] {
      rootAccesses = (a, b)
    } else {
      rootAccesses = nil
    }
  }

  deinit {
    slots.deallocate()
    cacheValid.deallocate()
    boundVectors.deallocate()
    boundOffsets.deallocate()
    accessCode.deallocate()
  }

  /// The tensors the formula reads, itself or through a definition, by name (not the tables).
  package var tensorNames: [String] { readNames.sorted() }

  /// Makes `name` read `vector[offset + Σ index·stride]` (row-major over its shape); invalidates the cache.
  /// - Precondition: `name` is read by the formula and the vector holds the whole tensor there.
  /// The definitions' plans that read `name` are bound too; the tables are refilled before the
  /// next evaluation.
  package func bind(_ name: String, to vector: Values, offset: Int = 0) {
    precondition(readNames.contains(name) || tables.contains { $0.name == name }, "\(rule): the formula reads no tensor '\(name)'")
    for table in tables where table.plan.readNames.contains(name) { table.plan.bind(name, to: vector, offset: offset) }
    if let id = tensorIDs[name] {
      precondition(offset >= 0 && offset + bindings[id].extent <= vector.count, "\(rule): tensor '\(name)' does not fit the vector at offset \(offset)")
      bindings[id].vector = vector
      bindings[id].offset = offset
      boundVectors[id] = Unmanaged.passUnretained(vector)
      boundOffsets[id] = offset
    }
    invalidateCache()
  }

  /// Forgets the cached closed subterms and the definitions' tables (after a tensor's values
  /// change in place).
  package func invalidateCache() {
    for k in 0..<cacheCount { cacheValid[k] = false }
    tablesStale = true
  }

  /// Fills the definitions' tables from the current bindings, once per binding.
  @inline(__always)
  func prepareTables() throws(GradientAuditError) {
    guard tablesStale else { return }
    tablesStale = false
    guard !tables.isEmpty else { return }
    for table in tables {
      table.plan.invalidateCache()  // an earlier table it reads has changed in place
      try forEachIndex(table.shape, of: table.plan) { flat throws(GradientAuditError) in try table.plan.evaluate(into: table.values, flat) }
    }
    for k in 0..<cacheCount { cacheValid[k] = false }
  }

  /// `out[k] = ` the formula at the free indices `indices`.
  /// - Throws: `GradientAuditError.outsideDomain` when a function leaves its domain.
  package func evaluate(at indices: [Int], into out: Values, _ k: Int) throws(GradientAuditError) {
    setIndices(indices)
    try evaluate(into: out, k)
  }

  /// `out[k] += ` the formula at `indices`.
  package func accumulate(at indices: [Int], into out: Values, _ k: Int) throws(GradientAuditError) {
    setIndices(indices)
    try accumulate(into: out, k)
  }

  /// Sets the free index at `position` (in `freeIndices` order) without allocating an array.
  @inline(__always)
  package func setIndex(_ position: Int, _ value: Int) { slots[freeSlots[position]] = value }

  /// `out[k] = ` the formula at the indices set by `setIndex`.
  package func evaluate(into out: Values, _ k: Int) throws(GradientAuditError) {
    try prepareTables()
    let result = try value(root, depth: 0)
    out.copy(k, from: result.vector, result.index)
  }

  /// `out[k] += ` the formula at the indices set by `setIndex`. A product of two factors is
  /// multiplied straight into `out[k]` (one `mpfi_mul` and one `mpfi_add`).
  package func accumulate(into out: Values, _ k: Int) throws(GradientAuditError) {
    try prepareTables()
    if let (a, b) = rootAccesses {
      guard let x = locate(a), let y = locate(b) else { return }  // a read outside the shape is 0
      out.multiplyAccumulate(k, x.vector, x.index, y.vector, y.index)
      return
    }
    if case .mul(let factors) = root, factors.count == 2 {
      let a = try value(factors[0], depth: 1)
      if a.vector.isZero(a.index) { return }
      let b = try value(factors[1], depth: 2)
      out.multiplyAccumulate(k, a.vector, a.index, b.vector, b.index)
      return
    }
    let result = try value(root, depth: 0)
    out.add(k, result.vector, result.index)
  }

  /// `out[k + t] += ` the formula with the free index at `position` equal to `t`, for `t` in
  /// `0..<count` (the other free indices set by `setIndex`): a row of a parameter's gradient. A
  /// product of two accesses is one strided call of the storage.
  package func accumulateRow(into out: Values, _ k: Int, along position: Int, count: Int) throws(GradientAuditError) {
    try prepareTables()
    if let (a, b) = rootAccesses {
      products(a, b, along: freeSlots[position], 0, count - 1, into: out, k, stride: 1)
      return
    }
    for t in 0..<count {
      setIndex(position, t)
      try accumulate(into: out, k + t)
    }
  }

  @inline(__always)
  private func setIndices(_ indices: [Int]) {
    precondition(indices.count == freeSlots.count, "\(rule): \(indices.count) indices for \(freeSlots.count) free indices")
    for (slot, v) in zip(freeSlots, indices) { slots[slot] = v }
  }
}

// MARK: - Plan nodes

extension FormulaPlan {
  indirect enum Node {
    case constant(Int)
    /// The access starting at this position of `accessCode`.
    case access(Int)
    /// A definition's table, read at the access starting here; outside its shape an error.
    case table(Int)
    case bracket([LoweredConstraint])
    case sum(LoweredLoop, body: Node)
    case add([Node])
    case mul([Node])
    case apply(IntervalFunction, Node)
    case step(Node)
    case cached(Int, Node)
    /// Cached while the free slots it reads keep their values.
    case keyed(Int, [Int], Node)
  }

  /// Where a tensor's values are.
  struct Binding {
    var vector: Values?
    var offset: Int
    let shape: [Int]
    /// The elements from the offset that the tensor spans.
    let extent: Int
  }

  /// An element of some vector: the result of a node.
  struct Location {
    unowned(unsafe) let vector: Values
    let index: Int
  }
}

private func rowMajorStrides(_ shape: [Int]) -> [Int] {
  var strides = Array(repeating: 1, count: shape.count)
  for axis in shape.indices.dropLast().reversed() { strides[axis] = strides[axis + 1] * shape[axis + 1] }
  return strides
}
