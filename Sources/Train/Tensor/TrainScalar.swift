internal import COpenBLAS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A floating-point type the trainer's kernels run in: `Float` for training, `Double` for checks.
///
/// Every layer's forward and backward kernel is one generic function over `TrainScalar`; the trainer
/// runs its `Float` specialization, and the tests run the very same code in `Double` against central
/// finite differences (and, later, against exact evaluation of the certified formula).
public protocol TrainScalar: BinaryFloatingPoint, Sendable
where RawSignificand: FixedWidthInteger {
  /// `e^x`.
  static func exponential(_ x: Self) -> Self
  /// The natural logarithm (`x > 0`).
  static func logarithm(_ x: Self) -> Self
  /// `tanh(x)`.
  static func hyperbolicTangent(_ x: Self) -> Self

  /// The row-major matrix product `C = alpha * op(A) * op(B) + beta * C`, with `op(A)` of shape
  /// `[m, k]`, `op(B)` of shape `[k, n]` and `C` of shape `[m, n]` (BLAS `gemm`).
  ///
  /// `lda`, `ldb`, `ldc` are the row strides of `A`, `B`, `C` as stored (before transposition).
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Self, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

@inline(__always)
private func cblasTranspose(_ transpose: Bool) -> CBLAS_TRANSPOSE {
  transpose ? CblasTrans : CblasNoTrans
}

extension Float: TrainScalar {
  @inline(__always) public static func exponential(_ x: Float) -> Float { expf(x) }
  @inline(__always) public static func logarithm(_ x: Float) -> Float { logf(x) }
  @inline(__always) public static func hyperbolicTangent(_ x: Float) -> Float { tanhf(x) }

  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
      beta, c, blasint(ldc))
  }
}

extension Double: TrainScalar {
  @inline(__always) public static func exponential(_ x: Double) -> Double { exp(x) }
  @inline(__always) public static func logarithm(_ x: Double) -> Double { log(x) }
  @inline(__always) public static func hyperbolicTangent(_ x: Double) -> Double { tanh(x) }

  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
      blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
      beta, c, blasint(ldc))
  }
}
