import Exact
import Intervals

/// The storage a `FormulaPlan` evaluates into: a preallocated array of scalars of one kind,
/// addressed by position, with the few operations the plan's nodes need.
///
/// Two conform: `IntervalVector` (MPFI enclosures: the audit's proof) and `DoubleValues` (plain
/// Float64: the finite-difference consistency checks, which need no proof and run in the cheapest
/// arithmetic that keeps them meaningful). The plan's meaning — zero extension, brackets, sums over
/// their guards, strong zeros, `step` — is written once, in `FormulaPlan+Evaluation.swift`; a
/// conformance only says how one scalar kind adds, multiplies and applies a function.
package protocol PlanValues: AnyObject, SendableMetatype {
  /// `count` zeros; `precision` in bits where the kind has one.
  init(count: Int, precision: Int)
  var count: Int { get }
  /// `self[k] = 0`.
  func setZero(_ k: Int)
  /// `self[k] = value`, the tightest value of this kind (exact where it fits).
  func set(_ k: Int, to value: Rational)
  /// `self[k] = value` (exact in both kinds).
  func set(_ k: Int, to value: Float)
  /// `self[k] = w + h·v`: a perturbed parameter.
  func set(_ k: Int, _ w: Float, plus h: Rational, times v: Float)
  /// `self[k] = π`: an enclosure one ulp wide (MPFI), or the nearest Double.
  func setPi(_ k: Int)
  /// `self[k] = other[j]`.
  func copy(_ k: Int, from other: Self, _ j: Int)
  /// `self[k] += a[i]`.
  func add(_ k: Int, _ a: Self, _ i: Int)
  /// `self[k] = a[i] * b[j]`.
  func multiply(_ k: Int, _ a: Self, _ i: Int, _ b: Self, _ j: Int)
  /// `self[k] += a[i] * b[j]`.
  func multiplyAccumulate(_ k: Int, _ a: Self, _ i: Int, _ b: Self, _ j: Int)
  /// `self[k + t·kStride] += a[i + t·aStride] · b[j + t·bStride]` for `t` in `0..<count` (a dot
  /// product into one element when `kStride` is 0).
  func multiplyAccumulate(
    _ k: Int, stride kStride: Int, _ a: Self, _ i: Int, stride aStride: Int, _ b: Self, _ j: Int, stride bStride: Int, count: Int)
  /// `self[k] *= value`.
  func multiply(_ k: Int, by value: Rational)
  /// True when element `k` is exactly 0.
  func isZero(_ k: Int) -> Bool
  /// 1, -1, 0 for every point of element `k` positive, negative, exactly 0; nil when unknown.
  func sign(_ k: Int) -> Int?
  /// `self[k]` = every value of `step` at a point of an element containing 0 and other numbers:
  /// `[0, 1]` (never called for a kind whose sign is always known).
  func setUnitInterval(_ k: Int)
  /// `self[k] = f(a[i])`.
  /// - Throws: `IntervalFunctionError.outsideDomain` where `f` is not defined on `a[i]`.
  func apply(_ f: IntervalFunction, _ k: Int, _ a: Self, _ i: Int) throws(IntervalFunctionError)
  /// Element `k`'s bounds as Doubles rounded outward (a Double value twice).
  func doubleBounds(_ k: Int) -> (lower: Double, upper: Double)
}

extension IntervalVector: PlanValues {
  package func set(_ k: Int, _ w: Float, plus h: Rational, times v: Float) {
    set(k, to: try! Rational(exactly: Double(w)) + h * (try! Rational(exactly: Double(v))))
  }

  package func setUnitInterval(_ k: Int) { set(k, lower: 0, upper: 1) }

  package func setPi(_ k: Int) { set(k, to: Interval.pi(precision: precision)) }
}
