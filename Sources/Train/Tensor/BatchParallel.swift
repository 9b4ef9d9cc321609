import Dispatch

/// Splits a batch's examples over threads: for the kernels that are not matrix products (pooling,
/// elementwise layers), and for convolutions, which run image by image with OpenBLAS
/// single-threaded in each part. As many parts as `BLAS.threads`, so `--threads` governs both.
///
/// The parts are fixed contiguous ranges of examples that depend only on the batch size and the
/// thread count, and a kernel writes only its own examples' rows, so results are the same bit for
/// bit however the threads are scheduled (Docs/Training.md, "Reproducibility").
enum BatchParallel {
  /// Below this many scalars of work in a batch, one thread: waking a second costs more.
  static let minimumWork = 1 << 15

  /// Calls `body` once per part with that part's examples; the ranges are disjoint, in order, and
  /// cover `0 ..< batch`. `work` is the batch's size in scalars, for the one-thread cut-off.
  static func forEachPart(batch: Int, work: Int, _ body: (Range<Int>) -> Void) {
    forEachPart(batch: batch, parts: partCount(batch: batch, work: work)) { _, examples in body(examples) }
  }

  /// Calls `body(part, examples)` for each of `parts` parts at once (`parts` from `partCount`).
  ///
  /// With `serialBLAS`, OpenBLAS runs single-threaded meanwhile, so each part's matrix products
  /// run on its own thread over data in its own core's cache: OpenBLAS runs one threaded product
  /// at a time, and a threaded product inside a part would wait for the other part's.
  static func forEachPart(batch: Int, parts: Int, serialBLAS: Bool = false, _ body: (Int, Range<Int>) -> Void) {
    guard parts > 1 else {
      if batch > 0 { body(0, 0..<batch) }
      return
    }
    withoutActuallyEscaping(body) { body in
      // The parts touch disjoint examples (the kernels' contract), which the compiler cannot see.
      let shared = Unchecked(value: body)
      let run = { DispatchQueue.concurrentPerform(iterations: parts) { part in shared.value(part, range(part, of: parts, batch: batch)) } }
      if serialBLAS { BLAS.runSingleThreaded(run) } else { run() }
    }
  }

  /// Like `forEachPart`, each part also returning a count (ties, kinks); returns their sum.
  static func sumOverParts(batch: Int, work: Int, _ body: (Range<Int>) -> Int) -> Int {
    let parts = partCount(batch: batch, work: work)
    var counts = [Int](repeating: 0, count: parts)
    counts.withUnsafeMutableBufferPointer { counts in
      forEachPart(batch: batch, parts: parts) { part, examples in counts[part] = body(examples) }  // a slot each
    }
    return counts.reduce(0, +)
  }

  /// The number of parts a batch is cut into: `BLAS.threads`, at most one per example, one when the
  /// work is small.
  static func partCount(batch: Int, work: Int) -> Int {
    work < minimumWork ? 1 : max(1, min(partLimit ?? BLAS.threads, batch))
  }

  /// The parts to cut into instead of `BLAS.threads`, in this task only: for tests, which run
  /// beside others that the process-wide thread count would disturb.
  @TaskLocal static var partLimit: Int?

  /// Part `part` of `parts` nearly equal contiguous ranges of `0 ..< batch`.
  static func range(_ part: Int, of parts: Int, batch: Int) -> Range<Int> {
    (part * batch / parts)..<((part + 1) * batch / parts)
  }
}

/// A value handed to the threads of `BatchParallel`, which guarantees they use it on disjoint data.
private struct Unchecked<Value>: @unchecked Sendable {
  let value: Value
}
