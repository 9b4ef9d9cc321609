internal import Exact
internal import Intervals
public import ProofKernel

/// Evaluates kernel terms, including `D`, `vjp` and `grad`, in forward mode with dual numbers over
/// exact rationals or MPFI intervals: the independent derivative check.
///
/// The meaning is the kernel's (Docs/Semantics.md), as in `ExactEvaluator`, whose index arithmetic,
/// guard enumeration and environment this evaluator shares: zero extension of accesses, Iverson
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
public struct DualEvaluator<Scalar: RealScalar>: Sendable {
  /// The values this evaluator reads.
  public var environment: Environment { indexer.environment }
  /// Bits of the enclosures (ignored by exact rationals).
  public let precision: Int
  /// The index arithmetic, guards and enumeration of sums, shared with the exact evaluator; its
  /// `scope` holds the values of the indices in scope.
  var indexer: ExactEvaluator
  /// The tensor being differentiated and its direction, inside a `D` or `vjp`.
  var variable: Variable?
  /// Values of definitions at argument values, per direction (and without one).
  var memo: [MemoKey: [DefinitionPoint: Dual<Scalar>]] = [:]

  /// An evaluator for `environment`; enclosures have `precision` bits.
  public init(_ environment: Environment, precision: Int = 256) {
    indexer = ExactEvaluator(environment)  // only for indices: its functions are never called
    self.precision = precision
  }

  /// The value of `term` (exact, or an enclosure).
  /// - Throws: `EvaluationError`: a missing value, `undefined` where the term (or a derivative it
  ///   asks for) does not exist, `notExact` for rationals where a value is irrational,
  ///   `unsupported` for a derivative inside a derivative.
  public mutating func value(of term: Term) throws -> Scalar {
    try evaluate(term).value
  }

  // MARK: - Terms

  mutating func evaluate(_ term: Term) throws -> Dual<Scalar> {
    switch term.node {
    case let .constant(q): return constant(q)
    case let .dimension(name): return constant(Rational(try indexer.dimension(name)))
    case let .named(name):
      if name == "pi" { return .constant(try Scalar.enclosingPi(precision: precision)) }
      guard let value = environment.named[name] else { throw EvaluationError.missingNamedConstant(name) }
      return constant(value)
    case let .access(tensor, indices): return try access(tensor, indices)
    case let .bracket(g): return constant(Rational(try indexer.holds(g) ? 1 : 0))
    case let .sum(binders, g, body): return try sum(binders, g, body)
    case let .add(terms):
      var total = constant(Rational(0))
      for t in terms { total = total + (try evaluate(t)) }
      return total
    case let .mul(factors): return try product(factors)
    case let .power(base, exponent): return try evaluate(base).raised(to: exponent, precision: precision)
    case let .apply(f, argument): return try evaluate(argument).applying(f, precision: precision)
    case let .reference(definition, arguments): return try reference(definition, arguments)
    case let .derivative(body, x, dx):
      return .constant(try dual(of: body, in: x, along: dx).derivative(precision: precision))
    case let .vjp(v): return try vectorJacobianProduct(v)
    }
  }

  func constant(_ q: Rational) -> Dual<Scalar> { .constant(Scalar(q, precision: precision)) }

  /// `T[e1, ..., ek]`, 0 outside the shape; an entry of the variable carries its direction's entry.
  private func access(_ tensor: TensorSymbol, _ indices: [Affine]) throws -> Dual<Scalar> {
    guard let value = environment.tensors[tensor.name] else { throw EvaluationError.missingTensor(tensor.name) }
    let shape = try tensor.shape.map { try indexer.evaluate($0) }
    guard shape == value.shape else {
      throw EvaluationError.shapeMismatch(tensor: tensor.name, declared: shape, given: value.shape)
    }
    var offset = 0
    for (e, n) in zip(indices, shape) {
      let k = try indexer.evaluate(e)
      guard k >= 0, k < n else { return constant(Rational(0)) }  // zero extension: a constant
      offset = offset * n + k
    }
    let x = Scalar(value.values[offset], precision: precision)
    guard let variable, variable.tensor == tensor else { return .constant(x) }
    switch variable.direction {
    case let .tensor(dx): return Dual(x, tangent: Scalar(dx.values[offset], precision: precision))
    case let .unit(k): return Dual(x, tangent: Scalar(offset == k ? 1 : 0, precision: precision))
    }
  }

  /// The sum of `body` over the integer points of `g`.
  private mutating func sum(_ binders: [String], _ g: Guard, _ body: Term) throws -> Dual<Scalar> {
    var total = constant(Rational(0))
    try forEachPoint(binders, g) { evaluator in total = total + (try evaluator.evaluate(body)) }
    return total
  }

  /// The product, certainly 0 as soon as a factor certainly is (see the type's documentation); an
  /// undefined or inexact factor is reported only when no factor is 0.
  private mutating func product(_ factors: [Term]) throws -> Dual<Scalar> {
    var result = constant(Rational(1))
    var deferred: EvaluationError?
    for f in factors {
      do {
        let v = try evaluate(f)
        if v.isKnownZero { return v }
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

  /// `d[args]`: the body at the arguments' values, memoized per direction.
  private mutating func reference(_ d: Definition, _ arguments: [Affine]) throws -> Dual<Scalar> {
    let point = DefinitionPoint(definition: d, arguments: try arguments.map { try indexer.evaluate($0) })
    let key = variable?.key ?? .values
    if let known = memo[key]?[point] { return known }
    let saved = indexer.scope
    defer { indexer.scope = saved }
    // The body mentions no index but its parameters.
    indexer.scope = Dictionary(uniqueKeysWithValues: zip(d.parameters, point.arguments))
    let value = try evaluate(d.body)
    memo[key, default: [:]][point] = value
    return value
  }

  /// Calls `visit` at each integer point of `g` over `binders`, with the binders set in the scope
  /// (restored afterwards). The points are those `ExactEvaluator` enumerates.
  mutating func forEachPoint(
    _ binders: [String], _ g: Guard, _ visit: (inout DualEvaluator) throws -> Void
  ) throws {
    guard let points = GuardEnumeration(binders, g) else {
      if g.isFalse { return }
      throw EvaluationError.unsupported("the guard \(g) does not bound \(binders.joined(separator: ", "))")
    }
    var found: [[Int]] = []
    try indexer.forEachPoint(of: points) { enumerator in
      found.append(points.order.map { enumerator.scope[$0] ?? 0 })
      return true
    }
    let saved = points.order.map { indexer.scope[$0] }
    defer { for (b, v) in zip(points.order, saved) { indexer.scope[b] = v } }
    for values in found {
      for (b, v) in zip(points.order, values) { indexer.scope[b] = v }
      try visit(&self)
    }
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
    let tensor: TensorSymbol
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
