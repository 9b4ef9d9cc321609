import Exact
import Testing

#if os(Linux)
import Glibc

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

@Suite("Memory")
struct MemoryTests {
  /// GMP memory is freed with its last owner: a million operations keep the footprint flat.
  @Test func millionOperationsKeepMemoryFlat() {
    let big = Rational(Integer(10).power(40) + 3, Integer(10).power(39) + 7)
    func churn(_ count: Int) -> Rational {
      var total = Rational(0)
      for k in 0..<count {
        let x = Rational(k % 97 + 1, 13) * big
        total = (total + x / big - Rational(k % 97 + 1, 13)) * Rational(1, 2)
        let copy = total
        total += copy
      }
      return total
    }
    #expect(churn(20_000) == 0)           // warm the allocator up
    let before = residentBytes()
    #expect(churn(200_000) == 0)           // about 1.2 million operations
    let growth = residentBytes() - before
    #expect(growth < 4 << 20, "resident memory grew by \(growth) bytes")
  }
}
#endif
