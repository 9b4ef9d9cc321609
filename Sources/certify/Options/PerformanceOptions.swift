import ArgumentParser
import Train

/// Threading, shared by `train` and `evaluate`.
struct PerformanceOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "OpenBLAS threads per matrix product (default: OPENBLAS_NUM_THREADS, else one per core).")
  var threads: Int?

  func validate() throws {
    if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be in 1...1024, not \(threads).") }
  }

  func apply() {
    if let threads { BLAS.threads = threads }
  }
}
