#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A scalar the formula evaluator runs in: what `TrainScalar` gives, plus the functions a derived
/// rule can contain beyond the built-in layers' (`erf`, from `erf` and `gelu`, and real powers).
///
/// `Float` for training, `Double` for the checks against exact evaluation and finite differences.
public protocol FormulaScalar: TrainScalar {
  /// The error function `erf(x) = 2/√π ∫₀ˣ e^(-t²) dt`.
  static func errorFunction(_ x: Self) -> Self
  /// `x^y` (libm `pow`: NaN for a negative `x` and a non-integer `y`).
  static func power(_ x: Self, _ y: Self) -> Self
}

extension Float: FormulaScalar {
  @inline(__always) public static func errorFunction(_ x: Float) -> Float { erff(x) }
  @inline(__always) public static func power(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

extension Double: FormulaScalar {
  @inline(__always) public static func errorFunction(_ x: Double) -> Double { erf(x) }
  @inline(__always) public static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
}
