internal import COpenBLAS

/// OpenBLAS's process-wide settings.
///
/// A matrix product's result depends on how OpenBLAS splits it over threads and on the CPU kernel
/// it selects at load time, so training is repeatable bit for bit only for the same thread count
/// on the same machine (Docs/Training.md, "Reproducibility"). OpenBLAS starts with
/// `OPENBLAS_NUM_THREADS` threads, or one per core.
public enum BLAS {
  /// The number of threads OpenBLAS uses for one matrix product (and `BatchParallel` cuts a batch
  /// into), as last set, or OpenBLAS's own count at start.
  public static var threads: Int {
    get { chosen ?? initial }
    set {
      precondition(newValue >= 1, "OpenBLAS needs at least one thread")
      chosen = newValue
      openblas_set_num_threads(Int32(newValue))
    }
  }

  /// OpenBLAS's thread count when first asked: `OPENBLAS_NUM_THREADS`, or one per core.
  private static let initial = Int(openblas_get_num_threads())
  /// The count a caller set. Kept here rather than read back from OpenBLAS, which says 1 while
  /// `runSingleThreaded` runs.
  nonisolated(unsafe) private static var chosen: Int?

  /// Runs `body` with OpenBLAS single-threaded, then back at `threads`: for matrix products made
  /// on threads of the caller's own (`BatchParallel`), each of which would otherwise wait for the
  /// others' (OpenBLAS runs one threaded product at a time). OpenBLAS's count is process-wide, so
  /// a product on another thread meanwhile runs single-threaded too: slower, not different.
  static func runSingleThreaded(_ body: () -> Void) {
    let threads = threads
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(Int32(threads)) }
    body()
  }

  /// The OpenBLAS build and the CPU kernel it selected, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH ...`.
  public static var configuration: String {
    guard let text = openblas_get_config() else { return "OpenBLAS" }
    return String(cString: text) + " (" + String(cString: openblas_get_corename()) + ")"
  }
}
