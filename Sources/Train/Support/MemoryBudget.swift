#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a piece of work would allocate, checked against the memory the machine has before any of
/// it is allocated: a model of `dense 2000000000` is refused with one line, not killed by the
/// system (or by a failed allocation) minutes later.
///
/// The estimates are deliberately rough upper bounds of the large buffers (parameters, gradients,
/// optimizer state, workspaces, MPFI vectors); the runtime and the data set are small beside them.
package enum MemoryBudget {
  /// Bytes the system can give without swapping: `MemAvailable` of `/proc/meminfo`, else free
  /// physical pages (`sysconf`); nil when neither is known (then nothing is refused).
  package static var availableBytes: Int? {
    if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
      for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
        let fields = line.split(separator: " ")
        if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
      }
    }
    #if os(Linux)
    let pages = sysconf(Int32(_SC_AVPHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
    if pages > 0, size > 0 { return pages.multipliedReportingOverflow(by: size).overflow ? Int.max : pages * size }
    #endif
    return nil
  }

  /// - Throws: `TrainingError.tooLarge` when `bytes` (nil: more than `Int` counts) exceeds the
  ///   memory available; `what` says what needs it.
  package static func check(_ bytes: Int?, for what: String) throws(TrainingError) {
    guard let available = availableBytes else { return }
    guard let bytes, bytes <= available else {
      throw TrainingError.tooLarge(
        "\(what) would need \(bytes.map(describe) ?? "more than \(describe(Int.max))") of memory; "
          + "this machine has \(describe(available)) available")
    }
  }

  /// `bytes` as `12.3 GB` (decimal units, as `free -h` does not but disk sizes do).
  package static func describe(_ bytes: Int) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
    var value = Double(bytes), unit = 0
    while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
    return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f", value) + " " + units[unit]
  }

  /// `a * b + c ...` without overflow: nil when any step overflows.
  package static func product(_ factors: Int...) -> Int? {
    var result = 1
    for f in factors {
      let (p, overflow) = result.multipliedReportingOverflow(by: f)
      if overflow { return nil }
      result = p
    }
    return result
  }

  /// The sum, or nil when it (or any term) overflows.
  package static func sum(_ terms: [Int?]) -> Int? {
    var total = 0
    for term in terms {
      guard let term else { return nil }
      let (s, overflow) = total.addingReportingOverflow(term)
      if overflow { return nil }
      total = s
    }
    return total
  }
}
