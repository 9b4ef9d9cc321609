public import Exact

/// A dual number `value + tangent ε` with `ε² = 0`, over exact or enclosed reals: forward-mode
/// differentiation by arithmetic.
///
/// If `a + a'ε` and `b + b'ε` are the values and directional derivatives of two functions at a
/// point, then `(a + a'ε)(b + b'ε) = ab + (a b' + a' b)ε` holds the product's, and `f(a + a'ε) =
/// f(a) + f'(a) a' ε` a function's (the chain rule). Evaluating a term with every entry of a tensor
/// `x` replaced by `x[k] + dx[k] ε` therefore gives the term's value and, as the ε part, its
/// derivative along `dx`.
///
/// The tangent is optional: `nil` marks a *constant*, a number that does not depend on the variable
/// at all, which is not the same as a variable whose derivative happens to be 0 along this
/// direction. The difference matters where a function is not differentiable: `relu(0)` is fine as a
/// constant, but `relu` of a variable at 0 has no derivative (the Fréchet derivative must exist in
/// every direction, not only the one followed here), so it throws `EvaluationError.undefined`.
///
/// ```swift
/// let x = Dual(Rational(3), tangent: Rational(1))      // x = 3, dx = 1
/// let y = x * x + Dual.constant(Rational(1))           // 10 + 6ε
/// ```
///
/// The derivatives of the functions (`Dual+Functions.swift`) are written here from the mathematics,
/// independently of the kernel's derivative table, so that this evaluator is a second opinion on it.
public struct Dual<Scalar: RealScalar>: Sendable {
  /// The real part: the value of the term.
  public var value: Scalar
  /// The ε part: the derivative along the direction; nil for a constant.
  public var tangent: Scalar?

  public init(_ value: Scalar, tangent: Scalar?) {
    self.value = value
    self.tangent = tangent
  }

  /// A number that does not depend on the variable.
  public static func constant(_ value: Scalar) -> Dual { Dual(value, tangent: nil) }

  /// The ε part, 0 for a constant.
  public func derivative(precision: Int) -> Scalar { tangent ?? Scalar(0, precision: precision) }

  /// True when the dual is certainly `0 + 0ε`: a strong zero in products.
  public var isKnownZero: Bool { value.isKnownZero && (tangent?.isKnownZero ?? true) }
}

// MARK: - Arithmetic

extension Dual {
  public static func + (a: Dual, b: Dual) -> Dual {
    Dual(a.value + b.value, tangent: sum(a.tangent, b.tangent))
  }

  public static func - (a: Dual, b: Dual) -> Dual { a + (-b) }

  public static prefix func - (a: Dual) -> Dual { Dual(-a.value, tangent: a.tangent.map { -$0 }) }

  /// `ab + (a b' + a' b) ε`: the product rule.
  public static func * (a: Dual, b: Dual) -> Dual {
    Dual(a.value * b.value, tangent: sum(a.tangent.map { $0 * b.value }, b.tangent.map { a.value * $0 }))
  }

  /// The product with an exact rational constant.
  public static func * (a: Dual, q: Rational) -> Dual { Dual(a.value * q, tangent: a.tangent.map { $0 * q }) }

  /// `1/a - a'/a² ε`.
  /// - Throws: `undefined` when `a` is (or, enclosed, may be) 0.
  public func inverted() throws -> Dual {
    let r = try value.inverted()
    return Dual(r, tangent: tangent.map { -($0 * r * r) })
  }

  /// The sum of two optional tangents, nil only when both are (a constant plus a constant).
  private static func sum(_ a: Scalar?, _ b: Scalar?) -> Scalar? {
    switch (a, b) {
    case let (x?, y?): return x + y
    case let (x?, nil): return x
    case let (nil, y?): return y
    case (nil, nil): return nil
    }
  }
}

extension Dual: CustomStringConvertible {
  /// `value + tangent ε`, or the value alone for a constant.
  public var description: String {
    guard let tangent else { return value.description }
    return "\(value) + \(tangent)ε"
  }
}
