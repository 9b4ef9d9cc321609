/// The values of the index variables a compiled formula reads: one slot per free index, per bound
/// index of each `sum` and per `forall` binder, each with a version that changes when the value
/// does (compiled subterms remember the versions they were computed at, see `FormulaCompiler`).
final class FormulaIndices {
  private(set) var count = 0
  private(set) var values = UnsafeMutablePointer<Int>.allocate(capacity: 1)
  private(set) var versions = UnsafeMutablePointer<Int>.allocate(capacity: 1)

  /// A new slot (while compiling).
  func newSlot() -> Int {
    count += 1
    return count - 1
  }

  /// Allocates the slots once compiling is done.
  func allocate() {
    values.deallocate()
    versions.deallocate()
    values = .allocate(capacity: max(count, 1))
    versions = .allocate(capacity: max(count, 1))
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
  let indices = FormulaIndices()
  /// The column stride: the largest batch reserved.
  private(set) var stride = 0
  /// The examples in the current run.
  var rows = 0
  /// Changes at every run.
  private(set) var epoch = 0
  private(set) var registerCount = 0
  private var registers = UnsafeMutablePointer<S>.allocate(capacity: 1)
  /// The transposed operands, by operand slot (set before each run).
  private(set) var operands = UnsafeMutablePointer<UnsafeMutablePointer<S>>.allocate(capacity: 1)
  private(set) var operandCount = 0

  /// A new register (while compiling).
  func newRegister() -> Int {
    registerCount += 1
    return registerCount - 1
  }

  /// A new operand slot (while compiling).
  func newOperand() -> Int {
    operandCount += 1
    return operandCount - 1
  }

  /// Allocates the index slots and operand table once compiling is done.
  func finishCompiling() {
    indices.allocate()
    operands.deallocate()
    operands = .allocate(capacity: max(operandCount, 1))
  }

  /// Makes every register hold `capacity` rows (grows only; contents lost).
  func reserve(capacity: Int) {
    guard capacity > stride else { return }
    registers.deallocate()
    registers = .allocate(capacity: max(registerCount * capacity, 1))
    stride = capacity
  }

  /// Starts a run over `rows` examples: nothing computed before is reused.
  func begin(rows: Int) {
    precondition(rows <= stride, "formula registers hold \(stride) rows, \(rows) requested")
    self.rows = rows
    epoch &+= 1
  }

  func setOperand(_ slot: Int, _ base: UnsafeMutablePointer<S>) { operands[slot] = base }

  /// The column register `k` writes.
  @inline(__always) func register(_ k: Int) -> UnsafeMutablePointer<S> { registers + k * stride }

  deinit {
    registers.deallocate()
    operands.deallocate()
  }
}
