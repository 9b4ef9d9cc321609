internal import Exact
internal import Intervals
public import ProofKernel

/// Evaluates kernel terms, including `D`, `vjp` and `grad`, in forward mode with dual numbers over
/// exact rationals or MPFI intervals: the independent derivative check.
///
/// The meaning is the kernel's (Docs/Semantics.md), as in `ExactEvaluator`, whose front end (the
/// lowering, with `D` and `vjp` kept), index arithmetic and guard enumeration this evaluator
/// shares (`SlotValues`): zero extension of accesses, Iverson
/// brackets, sums over the integer points of their guard, definitions memoized per argument values,
/// products that are 0 as soon as one factor is certainly 0 (a "strong zero": a later undefined or
/// inexact factor is then not reported). `pi` is π (the environment's value for `pi`, if any, is
/// ignored); other named constants come from the environment. Functions always take their true
/// values: `Environment.uninterpretedFunctions` is ignored.
///
/// The derivative formers are evaluated from their definitions, never from a derived formula:
/// - `D t [x := dx]`: `t` evaluated with every entry of `x` replaced by `x[k] + dx[k] ε` (`dx`'s
///   values from the environment); the result is the ε part.
/// - `vjp(o: S -> y, x, dy)[at]`: `sum over o in S of dy[o] * ∂y(o)/∂x[at]`, evaluated with the
///   direction the unit tensor at `at`; `grad(L, x)[at]` is `∂L/∂x[at]` (seed 1). At an `at`
///   outside the shape of `x` the value is 0, without evaluating anything.
/// Every function's derivative is `Dual`'s, written from the mathematics, not the kernel's table.
///
/// With `Rational` scalars everything is exact, and a value that is not a known rational (`exp(1)`,
/// `2^(1/2)`, `pi`) throws `notExact`: retry with `Interval`. With `Interval` scalars every value is
/// an enclosure of the real one, rounded outward at `precision` bits.
///
/// ```swift
/// var evaluator = DualEvaluator<Rational>(environment)
/// let g = try evaluator.value(of: grad)       // grad(sum(i: n) x[i]^2, x)[j]: 2 x[j]
/// var enclosing = DualEvaluator<Interval>(environment, precision: 256)
/// let s = try enclosing.value(of: sigmoidVJP)  // an interval around the exact real
/// ```
public struct DualEvaluator<Scalar: RealScalar>: Sendable, SlotEvaluator {
  /// The values this evaluator reads.
  public var environment: Environment { indices.environment }
  /// Bits of the enclosures (ignored by exact rationals).
  public let precision: Int
  /// The front end and the index values, shared with the exact evaluator.
  var indices: SlotValues
  /// The tensor being differentiated and its direction, inside a `D` or `vjp`.
  var variable: Variable?
  /// Values of unfolded references at the values of the indices they read, per direction (and
  /// without one).
  var memo: [MemoKey: [ReferencePoint: Dual<Scalar>]] = [:]

  /// An evaluator for `environment`; enclosures have `precision` bits.
  public init(_ environment: Environment, precision: Int = 256) {
    indices = SlotValues(environment, keepsDerivatives: true)
    self.precision = precision
  }

  /// An evaluator over slots and a lowering kept from another evaluator (`SlotValues.rebound`).
  init(_ indices: SlotValues, precision: Int) {
    self.indices = indices
    self.precision = precision
  }

  /// The value of `term` (exact, or an enclosure).
  /// - Throws: `EvaluationError`: a missing value, `undefined` where the term (or a derivative it
  ///   asks for) does not exist, `notExact` for rationals where a value is irrational,
  ///   `unsupported` for a derivative inside a derivative.
  public mutating func value(of term: Term) throws -> Scalar {
    let free = FreeIndexTree(term)
    let scope = indices.scope(for: free.names)
    return try evaluate(try indices.lowered { (l: inout Lowering) throws(LoweringError) in try l.lower(term, free, scope) }).value
  }

  // MARK: - Terms

  mutating func evaluate(_ t: LoweredTerm) throws -> Dual<Scalar> {
    if let d = t.derivative { return try derivative(d) }
    if case .reference = t.term.node { return try reference(t) }
    return try evaluateNode(of: t)
  }

  private mutating func evaluateNode(of t: LoweredTerm) throws -> Dual<Scalar> {
    switch t.node {
    case let .constant(q): return constant(q)
    case let .named(name):
      if name == "pi" { return .constant(try Scalar.enclosingPi(precision: precision)) }
      guard let value = environment.named[name] else { throw EvaluationError.missingNamedConstant(name) }
      return constant(value)
    case let .access(a): return try access(a)
    case let .bracket(constraints): return constant(Rational(try indices.holds(constraints) ? 1 : 0))
    case let .sum(loop, body):
      var total = constant(Rational(0))
      try forEachPoint(of: loop) { evaluator in
        total = total + (try evaluator.evaluate(body))
        return true
      }
      return total
    case let .add(terms):
      var total = constant(Rational(0))
      for t in terms { total = total + (try evaluate(t)) }
      return total
    case let .mul(factors): return try strongZeroProduct(factors, one: constant(Rational(1)))
    case let .power(base, exponent): return try evaluate(base).raised(to: exponent, precision: precision)
    case let .apply(f, argument): return try evaluate(argument).applying(f, precision: precision)
    }
  }

  func constant(_ q: Rational) -> Dual<Scalar> { .constant(Scalar(q, precision: precision)) }

  /// `T[e1, ..., ek]`, 0 outside the shape; an entry of the variable carries its direction's entry.
  private func access(_ a: LoweredAccess) throws -> Dual<Scalar> {
    guard let (tensor, offset) = try indices.entry(a) else { return constant(Rational(0)) }  // zero extension: a constant
    let x = Scalar(tensor.values[offset], precision: precision)
    guard let variable, variable.tensor == a.tensor else { return .constant(x) }
    switch variable.direction {
    case let .tensor(dx): return Dual(x, tangent: Scalar(dx.values[offset], precision: precision))
    case let .unit(k): return Dual(x, tangent: Scalar(offset == k ? 1 : 0, precision: precision))
    }
  }

  /// An unfolded reference `d[args]`: its body's value, memoized per direction and per values of the
  /// indices it reads (which fix the arguments).
  private mutating func reference(_ t: LoweredTerm) throws -> Dual<Scalar> {
    let point = ReferencePoint(id: t.id, values: t.reads.map { indices.values[$0] })
    let key = variable?.key ?? .values
    if let known = memo[key]?[point] { return known }
    let value = try evaluateNode(of: t)  // the node is the body's
    memo[key, default: [:]][point] = value
    return value
  }
}

// MARK: - The variable

extension DualEvaluator {
  /// The tensor being differentiated, its direction, and the memo table of that direction.
  struct Variable: Sendable {
    enum Direction: Sendable {
      /// The values of a direction tensor.
      case tensor(TensorValue)
      /// The unit tensor at a row-major offset.
      case unit(Int)
    }
    /// The tensor's name: accesses to it carry tangents.
    let tensor: String
    let direction: Direction
    let key: MemoKey
  }
}

/// Which memo table a definition's value belongs in: values without a variable, or duals along one
/// direction.
enum MemoKey: Hashable, Sendable {
  case values
  /// Along the direction tensor named `direction`, in the tensor named `tensor`.
  case along(String, String)
  /// Along the unit tensor at a row-major offset, in the tensor named `tensor`.
  case unit(String, Int)
}
