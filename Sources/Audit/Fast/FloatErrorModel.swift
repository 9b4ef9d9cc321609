import Exact

import Intervals
/// Rigorous bounds on what IEEE binary64 rounding to nearest does to a dot product, whatever the
/// order of summation, FMA or threading (Docs/Audits.md, "Soundness").
///
/// With `u = 2^-53` and `η = 2^-1074` (the smallest subnormal), every floating-point operation's
/// result is `v (1 + δ) + e` with `|δ| ≤ u`, `|e| ≤ η/2`, `δ e = 0` (`e = 0` for additions).
/// A dot product `s = Σ_{j<n} x_j y_j` computed in any order, fused or not, is a tree of at most
/// `2n − 1` such operations in which each product meets at most `n` roundings on its way to the
/// root, so (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1, with underflow added)
///
///     |fl(s) − s| ≤ γ_n Σ |x_j y_j| + τ_n,    γ_n = n u / (1 − n u),  τ_n = 2 n η.
///
/// For non-negative terms this gives `s ≤ (fl(s) + τ_n) / (1 − γ_n)`. All bounds assume no
/// overflow: a result that is infinite or NaN is treated as "no information" by the callers.
struct DotProductError: Sendable {
  /// The number of terms `n`.
  let length: Int
  /// An upper bound of `γ_n` (a Double).
  let gamma: Double
  /// `τ_n = 2 n η`, exactly.
  let tail: Double
  /// An upper bound of `1 / (1 − γ_n)`.
  let inverseOneMinusGamma: Double

  static let unitRoundoff = 0x1p-53
  static let smallestSubnormal = Double.leastNonzeroMagnitude

  init(length n: Int) {
    precondition(n >= 1 && n < 1 << 40, "dot products of 1 to 2^40 terms")
    length = n
    let twoTo53 = Rational(Integer(1 << 53))
    let count = Rational(n)
    gamma = Rounding.up(count / (twoTo53 - count))  // n u / (1 − n u) = n / (2^53 − n)
    inverseOneMinusGamma = Rounding.up((twoTo53 - count) / (twoTo53 - 2 * count))
    tail = Double(2 * n) * DotProductError.smallestSubnormal  // exact: a multiple of η below 2^52 η
  }

  /// An upper bound of `Σ x_j y_j` over non-negative terms from its computed value `sum`.
  @inline(__always)
  func upperBoundOfNonnegative(_ sum: Double) -> Double {
    ((sum + tail).nextUp * inverseOneMinusGamma).nextUp
  }

  /// An upper bound of `|fl(s) − s|` given an upper bound `absoluteSum` of `Σ |x_j y_j|`.
  @inline(__always)
  func error(absoluteSum: Double) -> Double {
    ((gamma * absoluteSum).nextUp + tail).nextUp
  }
}

/// The Double nearest a computation's result, made a sound bound by stepping once outward: for
/// `r = fl(v)` rounded to nearest, `r.nextDown ≤ v ≤ r.nextUp`.
extension Double {
  /// `self` if it is not NaN, else `replacement`: keeps a NaN from turning into a finite bound.
  @inline(__always)
  func replacingNaN(with replacement: Double) -> Double { isNaN ? replacement : self }
}
