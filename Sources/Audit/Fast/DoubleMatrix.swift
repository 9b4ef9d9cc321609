internal import COpenBLAS

/// Matrix products on OpenBLAS for the Float64 tier. Row-major throughout.
enum DoubleMatrix {
  /// `C = A Bᵀ` with `A` `[m, k]`, `B` `[n, k]`, `C` `[m, n]`.
  static func multiplyTransposed(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
    m: Int, n: Int, k: Int
  ) {
    product(a, transposed: false, b, transposed: true, into: c, m: m, n: n, k: k)
  }

  /// `C = A B` with `A` `[m, k]`, `B` `[k, n]`, `C` `[m, n]`.
  static func multiply(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
    m: Int, n: Int, k: Int
  ) {
    product(a, transposed: false, b, transposed: false, into: c, m: m, n: n, k: k)
  }

  /// `C = op(A) op(B)`, `C` `[m, n]`, the inner size `k`; a transposed operand is stored the other
  /// way round (`A` `[k, m]`, `B` `[n, k]`), which sets its leading dimension.
  private static func product(
    _ a: UnsafePointer<Double>, transposed transposeA: Bool, _ b: UnsafePointer<Double>, transposed transposeB: Bool,
    into c: UnsafeMutablePointer<Double>, m: Int, n: Int, k: Int
  ) {
    guard m > 0, n > 0 else { return }
    cblas_dgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
      1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n), 0, c, Int32(n))
  }
}

/// OpenBLAS's thread count, for the audit's timings.
public enum AuditBLAS {
  /// The number of threads OpenBLAS uses for one matrix product.
  public static var threads: Int {
    get { Int(openblas_get_num_threads()) }
    set {
      precondition(newValue >= 1, "OpenBLAS needs at least one thread")
      openblas_set_num_threads(Int32(newValue))
    }
  }
}

extension DoubleMatrix {
  /// `C = Aᵀ B` with `A` `[k, m]`, `B` `[k, n]`, `C` `[m, n]`.
  static func multiplyLeftTransposed(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
    m: Int, n: Int, k: Int
  ) {
    product(a, transposed: true, b, transposed: false, into: c, m: m, n: n, k: k)
  }
}
