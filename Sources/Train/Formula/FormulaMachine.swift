/// The values of the index variables a compiled formula reads: one slot per free index, per bound
/// index of each `sum` and per `forall` binder, each with a version that changes when the value
/// does (compiled subterms remember the versions they were computed at, see `FormulaCompiler`).
///
/// Everything the compiled closures read at run time is behind `let` pointers: a `var` of a class
/// would cost a dynamic exclusivity check at every access, per subterm and index value.
final class FormulaIndices {
  private(set) var count = 0
  /// `table[0]`: the values; `table[1]`: the versions.
  private let table = UnsafeMutablePointer<UnsafeMutablePointer<Int>>.allocate(capacity: 2)

  init() {
    table[0] = .allocate(capacity: 1)
    table[1] = .allocate(capacity: 1)
  }

  @inline(__always) var values: UnsafeMutablePointer<Int> { table[0] }
  @inline(__always) var versions: UnsafeMutablePointer<Int> { table[1] }

  /// Allocates `count` slots once compiling is done (the lowering hands the slots out).
  func allocate(count: Int) {
    self.count = count
    values.deallocate()
    versions.deallocate()
    table[0] = .allocate(capacity: max(count, 1))
    table[1] = .allocate(capacity: max(count, 1))
    values.initialize(repeating: .min, count: max(count, 1))
    versions.initialize(repeating: 0, count: max(count, 1))
  }

  /// Sets slot `slot` to `value`; its version changes only when the value does.
  @inline(__always) func set(_ slot: Int, _ value: Int) {
    if values[slot] != value {
      values[slot] = value
      versions[slot] &+= 1
    }
  }

  deinit {
    values.deallocate()
    versions.deallocate()
    table.deallocate()
  }
}

/// The run-time state of one compiled formula: index slots, the per-example operands (each stored
/// transposed, one contiguous column of `rows` values per entry, `stride` apart), and the
/// registers compiled subterms write their columns into.
///
/// A run evaluates the formula for a batch of `rows` examples at once: every index decision (which
/// entry, which guard holds, which points a sum visits) is made once per index value, and the
/// arithmetic runs down columns of `rows` values. `epoch` changes at every run, so nothing computed
/// for one batch is reused for the next.
final class FormulaMachine<S: FormulaScalar> {
  /// A formula reads at most this many operands (`x` and `dy`).
  static var maximumOperands: Int { 4 }

  let indices = FormulaIndices()
  /// `[rows, stride, epoch]`, read by the compiled closures (see `FormulaIndices` for why a pointer).
  private let state = UnsafeMutablePointer<Int>.allocate(capacity: 3)
  private let registerTable = UnsafeMutablePointer<UnsafeMutablePointer<S>>.allocate(capacity: 1)
  /// The transposed operands, by operand slot (set before each run).
  let operands = UnsafeMutablePointer<UnsafeMutablePointer<S>>.allocate(capacity: FormulaMachine.maximumOperands)
  private(set) var registerCount = 0
  private(set) var operandCount = 0
  /// Per-subterm caches (`FormulaCompiler.cached`), freed with the machine.
  private var caches: [(stamps: UnsafeMutablePointer<Int>, value: UnsafeMutablePointer<UnsafeMutablePointer<S>?>)] = []

  init() {
    state.initialize(repeating: 0, count: 3)
    registerTable[0] = .allocate(capacity: 1)
  }

  /// The examples in the current run.
  @inline(__always) var rows: Int { state[0] }
  /// The column stride: the largest batch reserved.
  @inline(__always) var stride: Int { state[1] }
  /// Changes at every run.
  @inline(__always) var epoch: Int { state[2] }

  /// Storage for one subterm's cache: the epoch and `count` slot versions, and the column.
  func newCache(count: Int) -> (stamps: UnsafeMutablePointer<Int>, value: UnsafeMutablePointer<UnsafeMutablePointer<S>?>) {
    let cache = (stamps: UnsafeMutablePointer<Int>.allocate(capacity: count + 1),
                 value: UnsafeMutablePointer<UnsafeMutablePointer<S>?>.allocate(capacity: 1))
    cache.stamps.initialize(repeating: -1, count: count + 1)
    cache.value.initialize(to: nil)
    caches.append(cache)
    return cache
  }

  /// A new register (while compiling).
  func newRegister() -> Int {
    registerCount += 1
    return registerCount - 1
  }

  /// A new operand slot (while compiling).
  func newOperand() -> Int {
    precondition(operandCount < FormulaMachine.maximumOperands, "a formula reads at most \(FormulaMachine.maximumOperands) operands")
    operandCount += 1
    return operandCount - 1
  }

  /// Allocates the `slots` index slots once compiling is done.
  func finishCompiling(slots: Int) {
    indices.allocate(count: slots)
  }

  /// Makes every register hold `capacity` rows (grows only; contents lost).
  func reserve(capacity: Int) {
    guard capacity > stride else { return }
    registerTable[0].deallocate()
    registerTable[0] = .allocate(capacity: max(registerCount * capacity, 1))
    state[1] = capacity
  }

  /// Starts a run over `rows` examples: nothing computed before is reused.
  func begin(rows: Int) {
    precondition(rows <= stride, "formula registers hold \(stride) rows, \(rows) requested")
    state[0] = rows
    state[2] &+= 1
  }

  func setOperand(_ slot: Int, _ base: UnsafeMutablePointer<S>) { operands[slot] = base }

  /// The column register `k` writes.
  @inline(__always) func register(_ k: Int) -> UnsafeMutablePointer<S> { registerTable[0] + k * state[1] }

  deinit {
    registerTable[0].deallocate()
    registerTable.deallocate()
    operands.deallocate()
    state.deallocate()
    for cache in caches {
      cache.stamps.deallocate()
      cache.value.deallocate()
    }
  }
}
