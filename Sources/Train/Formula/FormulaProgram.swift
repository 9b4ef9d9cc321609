import ProofKernel

/// A certified formula `f[i]`, `0 <= i < width`, compiled once for batches: the forward output
/// `y[i]` of a formula layer, or its backward rule `vjp x[i]`.
///
/// A run evaluates `f[i]` for every `i` and every example of a batch, reading the per-example
/// operands (`x`, `dy`) as `TransposedBatch`es, and writes the `[rows, width]` result. Nothing is
/// allocated by a run once `reserve(capacity:)` has sized the registers.
///
/// ```swift
/// let program = try FormulaProgram<Float>(term, index: "i", width: n, dimensions: ["n": n],
///                                         operands: [("x", n)])
/// program.reserve(capacity: 128)
/// program.setOperand("x", xT)          // a TransposedBatch holding the batch
/// program.run(rows: 128, into: y)      // y: [128, n]
/// ```
final class FormulaProgram<S: FormulaScalar> {
  private let machine = FormulaMachine<S>()
  private let root: FormulaCode<S>
  private let slot: Int
  /// The number of entries of the result per example.
  let width: Int
  private let operandSlots: [String: Int]
  private let checks: [() -> Int]

  /// Compiles `term` with free index `index`, and a counter for each of `hypotheses` (see
  /// `FormulaCompiler.check`).
  /// - Throws: `FormulaRefusal` for what the evaluator does not run.
  init(_ term: Term, index: String, width: Int, dimensions: [String: Int], operands: [(name: String, width: Int)],
       hypotheses: [Proposition] = []) throws {
    var slots: [String: Int] = [:]
    var table: [String: (slot: Int, width: Int)] = [:]
    for (name, width) in operands {
      let k = machine.newOperand()
      slots[name] = k
      table[name] = (k, width)
    }
    operandSlots = slots
    var compiler = FormulaCompiler(machine: machine, dimensions: dimensions, operands: table)
    slot = compiler.lowering.newSlot()
    root = try compiler.compile(term, [index: slot])
    checks = try hypotheses.map { try compiler.check($0, [:]) }
    self.width = width
    machine.finishCompiling(slots: compiler.lowering.slotCount)
  }

  /// Whether the program counts failures of hypotheses.
  var hasChecks: Bool { !checks.isEmpty }

  /// Sizes the registers for batches of up to `capacity` examples.
  func reserve(capacity: Int) { machine.reserve(capacity: capacity) }

  /// Binds the operand `name` to a batch for the next runs.
  func setOperand(_ name: String, _ batch: TransposedBatch<S>) {
    precondition(batch.stride == machine.stride, "operand \(name) has stride \(batch.stride), the registers \(machine.stride)")
    machine.setOperand(operandSlots[name]!, batch.base)
  }

  /// `output[b, i] = f[i]` for the first `rows` examples of the operands.
  func run(rows: Int, into output: UnsafeMatrix<S>) {
    precondition(output.rows == rows && output.columns == width, "output is [\(output.rows), \(output.columns)], expected [\(rows), \(width)]")
    machine.begin(rows: rows)
    let out = output.base, w = width
    for i in 0..<width {
      machine.indices.set(slot, i)
      switch root {
      case let .scalar(s):
        let v = s()
        for b in 0..<rows { out[b * w + i] = v }
      case let .vector(v):
        if let p = v() {
          for b in 0..<rows { out[b * w + i] = p[b] }
        } else {
          for b in 0..<rows { out[b * w + i] = 0 }
        }
      }
    }
  }

  /// The failures of the hypotheses on the batch of the last `run` (examples × points).
  func countFailures() -> Int {
    var total = 0
    for check in checks { total += check() }
    return total
  }
}

/// A batch stored transposed: entry `c` of every example in one contiguous column, `stride`
/// values from the next — the layout `FormulaProgram` reads.
final class TransposedBatch<S: FormulaScalar> {
  let width: Int
  private(set) var stride = 0
  private(set) var base = UnsafeMutablePointer<S>.allocate(capacity: 1)

  init(width: Int) { self.width = width }

  /// Makes room for `capacity` examples (grows only; contents lost).
  func reserve(capacity: Int) {
    guard capacity > stride else { return }
    base.deallocate()
    base = .allocate(capacity: max(width * capacity, 1))
    stride = capacity
  }

  /// Copies the `[rows, width]` matrix `m` in.
  func load(_ m: UnsafeMatrix<S>) {
    precondition(m.columns == width && m.rows <= stride, "a [\(m.rows), \(m.columns)] batch for [\(stride), \(width)]")
    let (source, rows, columns) = (m.base, m.rows, m.columns)
    for b in 0..<rows {
      let row = source + b * columns
      for c in 0..<columns { base[c * stride + b] = row[c] }
    }
  }

  deinit { base.deallocate() }
}
