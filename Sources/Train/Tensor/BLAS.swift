internal import COpenBLAS

/// OpenBLAS's process-wide settings.
///
/// A matrix product's result depends on how OpenBLAS splits it over threads and on the CPU kernel
/// it selects at load time, so training is repeatable bit for bit only for the same thread count
/// on the same machine (Docs/Training.md, "Reproducibility"). OpenBLAS starts with
/// `OPENBLAS_NUM_THREADS` threads, or one per core.
public enum BLAS {
  /// The number of threads OpenBLAS uses for one matrix product.
  public static var threads: Int {
    get { Int(openblas_get_num_threads()) }
    set {
      precondition(newValue >= 1, "OpenBLAS needs at least one thread")
      openblas_set_num_threads(Int32(newValue))
    }
  }

  /// The OpenBLAS build and the CPU kernel it selected, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH ...`.
  public static var configuration: String {
    guard let text = openblas_get_config() else { return "OpenBLAS" }
    return String(cString: text) + " (" + String(cString: openblas_get_corename()) + ")"
  }
}
