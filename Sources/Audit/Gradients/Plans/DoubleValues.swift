#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Exact
import Intervals

/// Plain Float64 storage for a `FormulaPlan`: the back end of the finite-difference checks.
///
/// Round to nearest everywhere, so a value here is an approximation, not an enclosure: the
/// directional checks are a consistency check (Docs/Audits.md, "Finite differences"), and in Double
/// a difference quotient with `h = 2^−10` is accurate to about `10^−13`, ten orders below their
/// tolerance. Functions are libm's; `sign` is always known.
package final class DoubleValues: PlanValues {
  package let count: Int
  let values: UnsafeMutablePointer<Double>

  package init(count: Int, precision: Int = 53) {
    self.count = count
    values = .allocate(capacity: max(count, 1))
    values.initialize(repeating: 0, count: max(count, 1))
  }

  deinit { values.deallocate() }

  package subscript(k: Int) -> Double { values[k] }

  @inline(__always) package func setZero(_ k: Int) { values[k] = 0 }
  package func set(_ k: Int, to value: Rational) { values[k] = Double(value) }
  package func set(_ k: Int, to value: Float) { values[k] = Double(value) }
  package func setPi(_ k: Int) { values[k] = Double.pi }
  package func set(_ k: Int, _ w: Float, plus h: Rational, times v: Float) { values[k] = Double(w) + Double(h) * Double(v) }
  @inline(__always) package func copy(_ k: Int, from other: DoubleValues, _ j: Int) { values[k] = other.values[j] }
  @inline(__always) package func add(_ k: Int, _ a: DoubleValues, _ i: Int) { values[k] += a.values[i] }
  @inline(__always) package func multiply(_ k: Int, _ a: DoubleValues, _ i: Int, _ b: DoubleValues, _ j: Int) {
    values[k] = a.values[i] * b.values[j]
  }
  @inline(__always) package func multiplyAccumulate(_ k: Int, _ a: DoubleValues, _ i: Int, _ b: DoubleValues, _ j: Int) {
    values[k] += a.values[i] * b.values[j]
  }
  package func multiplyAccumulate(
    _ k: Int, stride kStride: Int, _ a: DoubleValues, _ i: Int, stride aStride: Int,
    _ b: DoubleValues, _ j: Int, stride bStride: Int, count: Int
  ) {
    precondition(count >= 0 && k >= 0 && i >= 0 && j >= 0, "DoubleValues.multiplyAccumulate: negative index or count")
    guard count > 0 else { return }
    precondition(k + (count - 1) * kStride < self.count && i + (count - 1) * aStride < a.count && j + (count - 1) * bStride < b.count,
                 "DoubleValues.multiplyAccumulate: a strided range leaves its vector")
    var (e, p, q) = (values + k, a.values + i, b.values + j)
    for _ in 0..<count {
      e.pointee += p.pointee * q.pointee
      e += kStride
      p += aStride
      q += bStride
    }
  }
  package func multiply(_ k: Int, by value: Rational) { values[k] *= Double(value) }
  @inline(__always) package func isZero(_ k: Int) -> Bool { values[k] == 0 }
  @inline(__always) package func sign(_ k: Int) -> Int? { values[k] > 0 ? 1 : values[k] < 0 ? -1 : 0 }
  package func setUnitInterval(_ k: Int) { preconditionFailure("DoubleValues: the sign of a Double is always known") }

  package func apply(_ f: IntervalFunction, _ k: Int, _ a: DoubleValues, _ i: Int) throws(IntervalFunctionError) {
    let x = a.values[i]
    switch f {
    case .exp: values[k] = exp(x)
    case .tanh: values[k] = tanh(x)
    case .log:
      guard x > 0 else { throw .outsideDomain(function: "log", lower: x, upper: x) }
      values[k] = log(x)
    case .sigmoid: values[k] = 1 / (1 + exp(-x))
    case .relu: values[k] = Swift.max(0, x)
    case .power(let n):
      guard n >= 0 || x != 0 else { throw .outsideDomain(function: "power \(n)", lower: x, upper: x) }
      values[k] = pow(x, Double(n))
    case .squareRoot:
      guard x >= 0 else { throw .outsideDomain(function: "sqrt", lower: x, upper: x) }
      values[k] = x.squareRoot()
    case .erf: values[k] = erf(x)
    case .gelu: values[k] = x * (1 + erf(x / 2.0.squareRoot())) / 2
    }
  }

  package func doubleBounds(_ k: Int) -> (lower: Double, upper: Double) { (values[k], values[k]) }
}
