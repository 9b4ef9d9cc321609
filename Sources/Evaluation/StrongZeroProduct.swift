internal import Exact

/// What the strong-zero product needs of a value: whether it is certainly 0, and multiplication.
/// The exact evaluator's rationals and the dual evaluator's dual numbers conform.
protocol StrongZeroFactor {
  /// True when the value is certainly 0 (for a dual number, certainly `0 + 0ε`).
  var isCertainlyZero: Bool { get }
  static func * (a: Self, b: Self) -> Self
}

extension Rational: StrongZeroFactor {
  var isCertainlyZero: Bool { isZero }
}

extension Dual: StrongZeroFactor {
  var isCertainlyZero: Bool { isKnownZero }
}

extension SlotEvaluator {
  /// The product of `factors`, 0 as soon as one factor is certainly 0, even when another factor is
  /// undefined or not exact (`[i < n] * x^-1` at a point outside the guard is 0): the Iverson
  /// bracket is a "strong zero", as in Knuth's convention. The factors after a zero are not
  /// evaluated; an undefined or inexact factor is reported only when no factor is 0, and any other
  /// error (a missing value) at once.
  mutating func strongZeroProduct(_ factors: [LoweredTerm], one: Value) throws -> Value {
    var result = one
    var deferred: EvaluationError?
    for f in factors {
      do {
        let v = try evaluate(f)
        if v.isCertainlyZero { return v }
        result = result * v
      } catch let error as EvaluationError {
        switch error {
        case .notExact, .undefined: if deferred == nil { deferred = error }
        default: throw error
        }
      }
    }
    if let deferred { throw deferred }
    return result
  }
}
