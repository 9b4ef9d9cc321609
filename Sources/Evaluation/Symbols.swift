public import ProofKernel

/// What terms and formulas mention and an environment must give a value: dimensions, free indices,
/// tensors (with their symbolic shapes) and named constants, including those inside the bodies of
/// the definitions they refer to.
///
/// ```swift
/// let symbols = try Symbols([loss])   // dimensions ["I", "O"], tensors ["W": [O, I], ...], ...
/// ```
public struct Symbols: Equatable, Sendable {
  /// Dimension symbols, in terms, index expressions, guards and shapes.
  public private(set) var dimensions: Set<String> = []
  /// Indices occurring free (not bound by a `sum`, `forall` or `vjp`).
  public private(set) var indices: Set<String> = []
  /// Each tensor's symbolic shape, by name (the tensors of `D` and `vjp` included).
  public private(set) var tensors: [String: [Affine]] = [:]
  /// Named constants (`pi`, `eps`).
  public private(set) var named: Set<String> = []
  /// Definitions already walked, so a shared definition is walked once.
  private var visited: Set<ObjectIdentifier> = []
  /// Keeps the walked definitions alive, so their identities stay theirs.
  private var definitions: [Definition] = []

  /// Nothing mentioned.
  public init() {}

  /// The symbols of all of `terms` and `formulas`.
  /// - Throws: `EvaluationError.conflictingShapes` when one tensor name has two symbolic shapes.
  public init(_ terms: [Term], formulas: [Proposition] = []) throws {
    for t in terms { try collect(t) }
    for f in formulas { try collect(f) }
  }

  public static func == (a: Symbols, b: Symbols) -> Bool {
    a.dimensions == b.dimensions && a.indices == b.indices && a.tensors == b.tensors && a.named == b.named
  }

  /// Adds the symbols of `term`.
  /// - Throws: `EvaluationError.conflictingShapes` when one tensor name has two symbolic shapes.
  public mutating func collect(_ term: Term) throws {
    indices.formUnion(term.freeIndices)
    try walk(term)
  }

  /// Adds the symbols of `formula`.
  /// - Throws: `EvaluationError.conflictingShapes` when one tensor name has two symbolic shapes.
  public mutating func collect(_ formula: Proposition) throws {
    indices.formUnion(formula.freeIndices)
    try walk(formula)
  }

  // MARK: - Walking

  private mutating func walk(_ formula: Proposition) throws {
    switch formula {
    case let .equal(a, b): try walk(a); try walk(b)
    case let .nonZero(t), let .positive(t): try walk(t)
    case let .holds(g): walk(g)
    case let .forAll(_, g, body): walk(g); try walk(body)
    }
  }

  private mutating func walk(_ term: Term) throws {
    switch term.node {
    case .constant: break
    case let .dimension(name): dimensions.insert(name)
    case let .named(name): named.insert(name)
    case let .access(tensor, idx): try add(tensor); walk(idx)
    case let .bracket(g): walk(g)
    case let .sum(_, g, body): walk(g); try walk(body)
    case let .add(ts), let .mul(ts): for t in ts { try walk(t) }
    case let .power(t, _), let .apply(_, t): try walk(t)
    case let .reference(d, args):
      walk(args)
      if visited.insert(ObjectIdentifier(d)).inserted {
        definitions.append(d)
        walk(d.shape)
        try walk(d.body)
      }
    case let .derivative(t, x, dx): try add(x); try add(dx); try walk(t)
    case let .vjp(v):
      try add(v.wrt)
      if let seed = v.seed { try add(seed) }
      walk(v.shape)
      walk(v.at)
      try walk(v.output)
    }
  }

  private mutating func walk(_ g: Guard) {
    walk(g.constraints.map(\.expression))
  }

  private mutating func walk(_ expressions: [Affine]) {
    for e in expressions {
      for (variable, _) in e.terms {
        if case let .dimension(name) = variable { dimensions.insert(name) }
      }
    }
  }

  private mutating func add(_ tensor: TensorSymbol) throws {
    if let known = tensors[tensor.name] {
      guard known == tensor.shape else {
        throw EvaluationError.conflictingShapes(tensor: tensor.name, shapes: [known, tensor.shape].map { "\($0)" })
      }
      return
    }
    tensors[tensor.name] = tensor.shape
    walk(tensor.shape)
  }
}
