import Evaluation

/// Why the formula evaluator cannot run a term (the caller reports it at the spec's line).
struct FormulaRefusal: Error, CustomStringConvertible {
  let message: String
  init(_ message: String) { self.message = message }
  init(_ error: LoweringError) { message = error.description }
  var description: String { message }
}

/// The nested loops of a lowered `sum` or `forall` (`LoweredLoop`: the order of the indices and
/// the constraints bounding each come from the `Evaluation` front end), run over the machine's
/// index slots. Each level is one integer interval, so every point is visited once.
final class IndexLoop {
  private let indices: FormulaIndices
  private let loop: LoweredLoop

  init(_ loop: LoweredLoop, indices: FormulaIndices) {
    self.loop = loop
    self.indices = indices
  }

  /// Calls `visit` at every point, with the bound indices' slots set.
  @inline(__always) func forEach(_ visit: () -> Void) {
    let values = indices.values
    for c in loop.outer where !c.holds(values) { return }
    run(level: 0, visit)
  }

  private func run(level: Int, _ visit: () -> Void) {
    if level == loop.slots.count {
      visit()
      return
    }
    let (lower, upper) = loop.range(level: level, indices.values)
    guard lower <= upper else { return }
    let slot = loop.slots[level]
    var v = lower
    while v <= upper {
      indices.set(slot, v)
      run(level: level + 1, visit)
      v += 1
    }
  }
}
