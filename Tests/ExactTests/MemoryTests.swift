import Exact
import Intervals
import Testing

#if os(Linux)
import Glibc

/// GMP, MPFR and MPFI memory is freed with its last owner: churning through a million operations
/// keeps the resident footprint flat. Each check runs in a process of its own (an exit test):
/// resident memory is a figure of the whole process, and the suites running beside it in the test
/// process allocate too (a CNN's training, a browser's pages), which made an in-process check fail
/// on a loaded machine. The child exits 1, printing the growth, when memory grew past the limit.
@Suite("Memory")
struct MemoryTests {
  @Test func rationalsKeepMemoryFlat() async {
    await #expect(processExitsWith: .success) {
      requireFlatMemory(limit: 4 << 20, warmUp: { churnRationals(20_000) }, measured: { churnRationals(200_000) })
    }
  }

  @Test func intervalsKeepMemoryFlat() async {
    await #expect(processExitsWith: .success) {
      requireFlatMemory(limit: 8 << 20, warmUp: { churnIntervals(20_000) }, measured: { churnIntervals(150_000) })
    }
  }

  /// Vectors free their MPFI memory in `deinit`: building and dropping 2,000 vectors of 2,000
  /// elements (about 200 MB if leaked).
  @Test func intervalVectorsReturnTheirMemory() async {
    await #expect(processExitsWith: .success) {
      requireFlatMemory(limit: 16 << 20, warmUp: { churnVectors(100) }, measured: { churnVectors(2_000) })
    }
  }

  /// The failing twin: a real leak of about 32 MB is seen by the same check.
  @Test func aLeakIsSeen() async {
    await #expect(processExitsWith: .failure) {
      requireFlatMemory(limit: 16 << 20, warmUp: {}, measured: {
        let leaked = UnsafeMutableRawPointer.allocate(byteCount: 32 << 20, alignment: 64)
        leaked.initializeMemory(as: UInt8.self, repeating: 1, count: 32 << 20)
      })
    }
  }
}

/// Runs `warmUp`, then exits 1 if `measured` grows the resident set by `limit` bytes or more.
private func requireFlatMemory(limit: Int, warmUp: () -> Void, measured: () -> Void) {
  warmUp()
  let before = residentBytes()
  measured()
  let growth = residentBytes() - before
  if growth >= limit {
    let message = "resident memory grew by \(growth) bytes (limit \(limit))\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(1)
  }
}

/// Resident set size in bytes, from /proc/self/statm.
private func residentBytes() -> Int {
  guard let file = fopen("/proc/self/statm", "r") else { return 0 }
  defer { fclose(file) }
  var size = 0, resident = 0
  _ = withUnsafeMutablePointer(to: &size) { s in
    withUnsafeMutablePointer(to: &resident) { r in
      withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) }
    }
  }
  return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// About six operations per round on 40-digit rationals; the result is 0 (checked, so the work is
/// not optimised away).
private func churnRationals(_ count: Int) {
  let big = Rational(Integer(10).power(40) + 3, Integer(10).power(39) + 7)
  var total = Rational(0)
  for k in 0..<count {
    let x = Rational(k % 97 + 1, 13) * big
    total = (total + x / big - Rational(k % 97 + 1, 13)) * Rational(1, 2)
    let copy = total
    total += copy
  }
  if total != 0 { exit(2) }
}

/// About seven interval operations per round, `exp` among them.
private func churnIntervals(_ count: Int) {
  guard let x = try? Interval(lower: Rational(1, 3), upper: Rational(1, 2)) else { exit(2) }
  var total = Interval(0)
  for _ in 0..<count {
    total = Interval.exp(-(total * x) + x) / (Interval(2) + x)
    total += x
  }
  if !total.isBounded { exit(2) }
}

private func churnVectors(_ rounds: Int) {
  for r in 0..<rounds {
    let v = IntervalVector(count: 2_000, precision: 128)
    v.set(r % 2_000, to: Rational(r, 7))
    v.multiplyAccumulate(0, v, r % 2_000, v, r % 2_000)
  }
}
#endif
