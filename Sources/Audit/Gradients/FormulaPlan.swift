import Evaluation
public import Exact
public import Intervals
public import ProofKernel

/// A certified formula compiled once into a loop plan over MPFI buffers, then evaluated at many
/// index values without allocating.
///
/// The plan is the term itself with names resolved by `Evaluation`'s `Lowering` (the front end the
/// trainer's formula layers share): every tensor access becomes a read of an `IntervalVector` at
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
/// ```swift
/// let plan = try FormulaPlan(rule.formula, rule: "dense.W", freeIndices: ["o", "i"],
///                            tensors: ["dy": [10], "x": [784]], dimensions: ["O": 10, "I": 784])
/// plan.bind("dy", to: seeds, offset: b * 10)
/// plan.bind("x", to: inputs, offset: b * 784)
/// try plan.accumulate(at: [o, i], into: gradient, o * 784 + i)   // gradient[k] += dy[o] * x[i]
/// ```
///
/// Not thread-safe (one scratch vector per plan); make one plan per thread.
public final class FormulaPlan {
  /// The rule the formula belongs to, for errors.
  public let rule: String
  /// The precision of the scratch and cache, in bits.
  public let precision: Int
  /// `step` arguments that were exactly 0 since creation.
  public internal(set) var kinks = 0
  /// `step` arguments whose enclosure contained 0 and other numbers.
  public internal(set) var undecidedKinks = 0

  let root: Node
  let freeSlots: [Int]
  /// The index slots' values, behind a pointer the lowered loops and accesses read.
  let slots: UnsafeMutablePointer<Int>
  let scratch: IntervalVector
  let constants: IntervalVector
  let cache: IntervalVector
  var cacheValid: [Bool]
  var bindings: [Binding]
  let tensorIDs: [String: Int]

  /// Compiles `term`.
  /// - Parameters:
  ///   - freeIndices: the term's free indices, in the order `evaluate(at:)` receives them.
  ///   - tensors: the actual shape of every tensor the term reads.
  ///   - dimensions: the size of every dimension symbol.
  ///   - named: values of named constants (none in the layer rules).
  /// - Throws: `GradientAuditError.unsupportedFormula` for what the plan does not evaluate (`D`,
  ///   `vjp`, references, fractional powers, `erf`, `gelu`, unknown names, sums bounded only jointly).
  public init(
    _ term: Term, rule: String, freeIndices: [String], tensors: [String: [Int]], dimensions: [String: Int],
    named: [String: Rational] = [:], precision: Int = Interval.defaultPrecision
  ) throws(GradientAuditError) {
    self.rule = rule
    self.precision = precision
    var compiler = Compiler(rule: rule, dimensions: dimensions, named: named, tensorShapes: tensors)
    var scope: [String: Int] = [:]
    for name in freeIndices { scope[name] = compiler.lowering.newSlot() }
    root = try compiler.compile(term, scope)
    freeSlots = freeIndices.map { scope[$0]! }
    let slotCount = max(compiler.lowering.slotCount, 1)
    slots = .allocate(capacity: slotCount)
    slots.initialize(repeating: 0, count: slotCount)
    scratch = IntervalVector(count: compiler.depth(of: root) + 4, precision: precision)
    constants = IntervalVector(count: compiler.constants.count, precision: precision)
    for (k, c) in compiler.constants.enumerated() { constants.set(k, to: c) }
    cache = IntervalVector(count: max(compiler.cacheCount, 1), precision: precision)
    cacheValid = Array(repeating: false, count: max(compiler.cacheCount, 1))
    tensorIDs = compiler.tensorIDs
    bindings = compiler.tensorOrder.map { Binding(vector: nil, offset: 0, shape: tensors[$0]!) }
  }

  deinit { slots.deallocate() }

  /// The tensors the formula reads, by name.
  public var tensorNames: [String] { tensorIDs.keys.sorted() }

  /// Makes `name` read `vector[offset + Σ index·stride]` (row-major over its shape); invalidates the cache.
  /// - Precondition: `name` is read by the formula and the vector holds the whole tensor there.
  public func bind(_ name: String, to vector: IntervalVector, offset: Int = 0) {
    guard let id = tensorIDs[name] else { preconditionFailure("\(rule): the formula reads no tensor '\(name)'") }
    let size = bindings[id].shape.reduce(1, *)
    precondition(offset >= 0 && offset + size <= vector.count, "\(rule): tensor '\(name)' does not fit the vector at offset \(offset)")
    bindings[id].vector = vector
    bindings[id].offset = offset
    invalidateCache()
  }

  /// Forgets the cached closed subterms (after a tensor's values change in place).
  public func invalidateCache() {
    for k in cacheValid.indices { cacheValid[k] = false }
  }

  /// `out[k] = ` the formula at the free indices `indices`.
  /// - Throws: `GradientAuditError.outsideDomain` when a function leaves its domain.
  public func evaluate(at indices: [Int], into out: IntervalVector, _ k: Int) throws(GradientAuditError) {
    setIndices(indices)
    try evaluate(into: out, k)
  }

  /// `out[k] += ` the formula at `indices`.
  public func accumulate(at indices: [Int], into out: IntervalVector, _ k: Int) throws(GradientAuditError) {
    setIndices(indices)
    try accumulate(into: out, k)
  }

  /// Sets the free index at `position` (in `freeIndices` order) without allocating an array.
  @inline(__always)
  public func setIndex(_ position: Int, _ value: Int) { slots[freeSlots[position]] = value }

  /// `out[k] = ` the formula at the indices set by `setIndex`.
  public func evaluate(into out: IntervalVector, _ k: Int) throws(GradientAuditError) {
    let result = try value(root, depth: 0)
    out.copy(k, from: result.vector, result.index)
  }

  /// `out[k] += ` the formula at the indices set by `setIndex`. A product of two factors is
  /// multiplied straight into `out[k]` (one `mpfi_mul` and one `mpfi_add`).
  public func accumulate(into out: IntervalVector, _ k: Int) throws(GradientAuditError) {
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
    case access(tensor: Int, LoweredAccess)
    case bracket([LoweredConstraint])
    case sum(LoweredLoop, body: Node)
    case add([Node])
    case mul([Node])
    case apply(IntervalFunction, Node)
    case step(Node)
    case cached(Int, Node)
  }

  /// Where a tensor's values are.
  struct Binding {
    var vector: IntervalVector?
    var offset: Int
    let shape: [Int]
  }

  /// An element of some vector: the result of a node.
  struct Location {
    unowned(unsafe) let vector: IntervalVector
    let index: Int
  }
}
