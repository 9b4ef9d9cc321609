public import Exact
public import ProofKernel

/// Evaluates kernel terms and formulas exactly, as rationals, in one `Environment`.
///
/// The meaning is the kernel's (Docs/Semantics.md):
/// - a dimension is its size, a named constant its value, a constant itself;
/// - `T[e1, ..., ek]` is the entry of `T`'s value, or 0 when some `e` is outside `0 ..< shape`;
/// - `[G]` is 1 where every constraint of `G` holds and 0 elsewhere;
/// - `sum(b)[G] t` adds `t` over the integer points of `G` (enumerated directly, see
///   `GuardEnumeration`);
/// - `q`-th powers are exact for integer `q`, and for `q = p/r` when the base is the `r`-th power of
///   a non-negative rational (`4^(1/2) = 2`, `8^(-1/3) = 1/2`); other roots throw `notExact`;
/// - functions: `relu(a) = max(0, a)`; `step(a)` is 1 for `a > 0` and 0 otherwise (the kernel only
///   uses `step` as the derivative of `relu` away from 0, under the condition `a != 0`; at 0 this
///   evaluator chooses 0); the transcendental functions are exact where their value is rational
///   (`exp(0) = 1`, `log(1) = 0`, `tanh(0) = erf(0) = gelu(0) = 0`, `sigmoid(0) = 1/2`) and elsewhere
///   throw `notExact`, or, with `Environment.uninterpretedFunctions`, take pseudo-random rational
///   values fixed by the function, the argument and `Environment.functionSeed`, in the function's
///   range and on the correct side of its value at 0 (`exp(a) > 1` for `a > 0`, `0 < sigmoid(a) < 1`,
///   ...), so sign conditions the kernel relies on still hold; `log` of a non-positive number is
///   `undefined` in either case;
/// - `d[args]` is the body of `d` with its parameters bound to the arguments' values (as the
///   kernel's `unfold` rule says: there is no zero extension outside a definition's shape), memoized
///   per definition and argument values for the life of the evaluator.
///
/// A product is 0 as soon as one factor is 0, even when another factor is undefined or not exact
/// (`[i < n] * x^-1` at a point outside the guard is 0): the Iverson bracket is a "strong zero", as
/// in Knuth's convention, and the factors after a zero are not evaluated at all.
///
/// ```swift
/// var evaluator = ExactEvaluator(Environment(dimensions: ["n": 3], tensors: ["x": x]))
/// let total = try evaluator.value(of: .sum(["i"], .axis("i", size: .dimension("n")), .access(x, [.index("i")])))
/// ```
///
/// `D` and `vjp` are not handled here (a dual-number evaluator covers them): they throw `unsupported`.
///
/// Terms go through the one front end, `Lowering` (binders to slots, guards to loop plans,
/// references unfolded); this type is the back end that computes in rationals, with index arithmetic
/// checked (`overflow`) and a box for guards that bound their indices only jointly. A term is
/// lowered whole before it is evaluated, so a dimension, derivative or index the lowering cannot
/// resolve is reported even where a zero factor would have absorbed it; a free index without a value
/// is reported where it is read.
public struct ExactEvaluator: Sendable, SlotEvaluator {
  /// The values this evaluator reads.
  public var environment: Environment { indices.environment }
  /// The front end and the index values.
  var indices: SlotValues
  /// Values of unfolded references (definitions) at the values of the indices they read.
  var definitionValues: [ReferencePoint: Rational] = [:]

  /// An evaluator for `environment`; values of definitions are remembered until it goes away.
  public init(_ environment: Environment) {
    indices = SlotValues(environment, keepsDerivatives: false)
  }

  /// An evaluator over slots and a lowering kept from another evaluator (`SlotValues.rebound`).
  init(_ indices: SlotValues) {
    self.indices = indices
  }

  /// The exact value of `term` in the environment.
  /// - Throws: `EvaluationError` naming a missing value, a value that is not rational or not
  ///   defined, or an unsupported former.
  public mutating func value(of term: Term) throws -> Rational {
    let free = FreeIndexTree(term)
    let scope = indices.scope(for: free.names)
    return try evaluate(try indices.lowered { (l: inout Lowering) throws(LoweringError) in try l.lower(term, free, scope) })
  }

  /// True when every constraint of `g` holds at the free indices (never for a false guard).
  ///
  /// ```swift
  /// try evaluator.holds(.axis("i", size: .dimension("n")))   // 0 <= i < n
  /// ```
  /// - Throws: `missingIndex` or `missingDimension` for a variable without a value.
  public func holds(_ g: Guard) throws -> Bool {
    try indices.holds(g)
  }

  /// The value of `e` at the free indices and dimensions.
  func evaluate(_ e: Affine) throws -> Int {
    try indices.evaluate(e)
  }

  // MARK: - Terms

  mutating func evaluate(_ t: LoweredTerm) throws -> Rational {
    if case .reference = t.term.node { return try reference(t) }
    return try evaluateNode(of: t)
  }

  private mutating func evaluateNode(of t: LoweredTerm) throws -> Rational {
    switch t.node {
    case let .constant(q): return q
    case let .named(name):
      guard let value = environment.named[name] else { throw EvaluationError.missingNamedConstant(name) }
      return value
    case let .access(a): return try access(a)
    case let .bracket(constraints): return try indices.holds(constraints) ? Rational(1) : Rational(0)
    case let .sum(loop, body):
      var total = Rational(0)
      try forEachPoint(of: loop) { evaluator in
        total += try evaluator.evaluate(body)
        return true
      }
      return total
    case let .add(terms):
      var total = Rational(0)
      for t in terms { total += try evaluate(t) }
      return total
    case let .mul(factors): return try strongZeroProduct(factors, one: Rational(1))
    case let .power(base, exponent): return try power(evaluate(base), exponent)
    case let .apply(f, argument): return try apply(f, evaluate(argument))
    }
  }

  /// `T[e1, ..., ek]`, 0 outside the shape.
  private func access(_ a: LoweredAccess) throws -> Rational {
    guard let (tensor, offset) = try indices.entry(a) else { return Rational(0) }
    return tensor.values[offset]
  }

  /// An unfolded reference `d[args]`: its body's value, memoized per values of the indices it reads
  /// (which fix the arguments).
  private mutating func reference(_ t: LoweredTerm) throws -> Rational {
    let point = ReferencePoint(id: t.id, values: t.reads.map { indices.values[$0] })
    if let known = definitionValues[point] { return known }
    let value = try evaluateNode(of: t)  // the node is the body's
    definitionValues[point] = value
    return value
  }
}

/// An unfolded reference (a lowered term's id) at the values of the indices it reads: the key of
/// the memo.
struct ReferencePoint: Hashable, Sendable {
  let id: Int
  let values: [Int]
}
