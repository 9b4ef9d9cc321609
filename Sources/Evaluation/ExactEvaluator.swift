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
public struct ExactEvaluator: Sendable {
  /// The values this evaluator reads.
  public let environment: Environment
  /// The values of the indices in scope: the free indices, then the bound ones of enclosing sums.
  var scope: [String: Int]
  /// Values of definitions at argument values already computed.
  var definitionValues: [DefinitionPoint: Rational] = [:]

  /// An evaluator for `environment`; values of definitions are remembered until it goes away.
  public init(_ environment: Environment) {
    self.environment = environment
    self.scope = environment.indices
  }

  /// The exact value of `term` in the environment.
  /// - Throws: `EvaluationError` naming a missing value, a value that is not rational or not
  ///   defined, or an unsupported former.
  public mutating func value(of term: Term) throws -> Rational {
    try evaluate(term)
  }

  // MARK: - Terms

  mutating func evaluate(_ term: Term) throws -> Rational {
    switch term.node {
    case let .constant(q): return q
    case let .dimension(name): return Rational(try dimension(name))
    case let .named(name):
      guard let value = environment.named[name] else { throw EvaluationError.missingNamedConstant(name) }
      return value
    case let .access(tensor, indices): return try access(tensor, indices)
    case let .bracket(g): return try holds(g) ? Rational(1) : Rational(0)
    case let .sum(binders, g, body): return try sum(binders, g, body)
    case let .add(terms):
      var total = Rational(0)
      for t in terms { total += try evaluate(t) }
      return total
    case let .mul(factors): return try product(factors)
    case let .power(base, exponent): return try power(evaluate(base), exponent)
    case let .apply(f, argument): return try apply(f, evaluate(argument))
    case let .reference(definition, arguments): return try reference(definition, arguments)
    case .derivative: throw EvaluationError.unsupported("D")
    case .vjp: throw EvaluationError.unsupported("vjp")
    }
  }

  /// `T[e1, ..., ek]`, 0 outside the shape.
  private mutating func access(_ tensor: TensorSymbol, _ indices: [Affine]) throws -> Rational {
    guard let value = environment.tensors[tensor.name] else { throw EvaluationError.missingTensor(tensor.name) }
    let shape = try tensor.shape.map { try evaluate($0) }
    guard shape == value.shape else {
      throw EvaluationError.shapeMismatch(tensor: tensor.name, declared: shape, given: value.shape)
    }
    var offset = 0
    for (e, n) in zip(indices, shape) {
      let k = try evaluate(e)
      guard k >= 0, k < n else { return Rational(0) }
      offset = offset * n + k
    }
    return value.values[offset]
  }

  /// The sum of `body` over the integer points of `g`.
  private mutating func sum(_ binders: [String], _ g: Guard, _ body: Term) throws -> Rational {
    guard let points = GuardEnumeration(binders, g) else {
      if g.isFalse { return Rational(0) }
      throw EvaluationError.unsupported("the guard \(g) does not bound \(binders.joined(separator: ", "))")
    }
    var total = Rational(0)
    try forEachPoint(of: points) { evaluator in
      total += try evaluator.evaluate(body)
      return true
    }
    return total
  }

  /// The product, 0 as soon as a factor is 0 (see the type's documentation): an undefined or inexact
  /// factor is reported only when no factor is 0.
  private mutating func product(_ factors: [Term]) throws -> Rational {
    var result = Rational(1)
    var deferred: EvaluationError?
    for f in factors {
      do {
        let v = try evaluate(f)
        if v.isZero { return v }
        result *= v
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

  /// `d[args]`: the body at the arguments' values, memoized.
  private mutating func reference(_ d: Definition, _ arguments: [Affine]) throws -> Rational {
    let point = DefinitionPoint(definition: d, arguments: try arguments.map { try evaluate($0) })
    if let known = definitionValues[point] { return known }
    let saved = scope
    defer { scope = saved }
    // The body mentions no index but its parameters.
    scope = Dictionary(uniqueKeysWithValues: zip(d.parameters, point.arguments))
    let value = try evaluate(d.body)
    definitionValues[point] = value
    return value
  }
}

/// A definition at concrete argument values: the key of the memo. The definition is compared by
/// identity (and held, so its identity cannot be reused by another object while the memo lives).
struct DefinitionPoint: Hashable, Sendable {
  let definition: Definition
  let arguments: [Int]

  static func == (a: DefinitionPoint, b: DefinitionPoint) -> Bool {
    a.definition === b.definition && a.arguments == b.arguments
  }

  func hash(into hasher: inout Hasher) {
    hasher.combine(ObjectIdentifier(definition))
    hasher.combine(arguments)
  }
}
