/// Keeps a result alive so the optimizer cannot drop the work that produced it.
@inline(never)
func blackHole<T>(_ value: T) {
  withExtendedLifetime(value) {}
}

/// How long one run of `body` repeated `iterations` times takes, in nanoseconds.
private func nanoseconds(iterations: Int, _ body: () -> Void) -> Double {
  let clock = ContinuousClock()
  let start = clock.now
  for _ in 0..<iterations { body() }
  let (seconds, attoseconds) = (clock.now - start).components
  return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
}

/// The median time of one call of `body`, in nanoseconds, over `repetitions` timed runs.
///
/// Each run repeats `body` enough times to last about `runMilliseconds`, so clock resolution and
/// loop overhead are negligible; the median discards runs disturbed by the rest of the machine.
func medianNanosecondsPerCall(
  repetitions: Int = 7, runMilliseconds: Double = 40, _ body: () -> Void
) -> Double {
  // Calibrate: double the count until a run lasts 5 ms, then scale to the target length.
  var iterations = 1
  var elapsed = nanoseconds(iterations: iterations, body)
  while elapsed < 5e6 {
    iterations *= 2
    elapsed = nanoseconds(iterations: iterations, body)
  }
  iterations = max(1, Int(Double(iterations) * runMilliseconds * 1e6 / elapsed))
  let perCall = (0..<repetitions).map { _ in
    nanoseconds(iterations: iterations, body) / Double(iterations)
  }.sorted()
  return perCall[perCall.count / 2]
}
