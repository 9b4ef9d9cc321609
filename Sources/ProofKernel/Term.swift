public import Exact
import Synchronization

/// A term of index notation over symbolic dimensions: the language theorems are stated in.
///
/// Terms are values, inspectable through `node`, and built only through the validating static
/// constructors below (`Term.sum`, `Term.access`, ...), so every `Term` is well formed: identifiers
/// are identifiers, accesses match their tensor's rank, every `sum` is finite (its guard bounds each
/// bound index), a derivative's direction has the shape of its variable.
///
/// Meaning (Docs/Semantics.md): dimensions are integers >= 1, indices integers, a tensor access
/// outside the tensor's shape is 0, `[G]` is 1 where `G` holds and 0 elsewhere, and `sum(b)[G] t`
/// adds `t` over the integer points of `G`.
public struct Term: Hashable, Sendable {
  public let node: Node

  init(_ node: Node) { self.node = node }

  public indirect enum Node: Hashable, Sendable {
    case constant(Rational)
    /// A dimension symbol used as a number.
    case dimension(String)
    /// A named real constant (`pi`, `eps`).
    case named(String)
    case access(TensorSymbol, [Affine])
    /// The Iverson bracket of a guard; a Kronecker delta is `[i - j == 0]`.
    case bracket(Guard)
    /// `sum` over the integer points of the guard, which bounds every binder.
    case sum([String], Guard, Term)
    case add([Term])
    case mul([Term])
    case power(Term, Rational)
    case apply(ScalarFunction, Term)
    case reference(Definition, [Affine])
    /// `D t [x := dx]`: the derivative of `t` in the tensor `x`, applied to the direction `dx`.
    case derivative(Term, TensorSymbol, TensorSymbol)
    case vjp(VectorJacobianProduct)
  }
}

/// A tensor variable: a name and a shape of dimension expressions. Two tensors are the same only when
/// name and shape agree.
public struct TensorSymbol: Hashable, Sendable {
  public let name: String
  public let shape: [Affine]

  public init(_ name: String, shape: [Affine]) throws {
    try requireIdentifier(name, in: "tensor")
    guard shape.allSatisfy(\.isDimensionOnly) else {
      throw KernelError.malformed(what: "tensor \(name)", reason: "a shape holds dimension expressions only")
    }
    self.name = name
    self.shape = shape
  }

  /// `0 <= idx[k] < shape[k]` for every axis: the axes' guards joined one by one with `and`.
  public func shapeGuard(_ indices: [Affine]) throws -> Guard {
    let axes = try zip(indices, shape).map { try Guard(nonNegative: [$0, try $1.plus(.constant(-1)).plus($0.scaled(by: -1))]) }, sets = indices.map(\.indices)
    // Where every axis reads its own indices, no constraint of one axis has the variables of
    // another's, so joining them one by one changes nothing but the order: one conjunction of all
    // gives that same guard, without building the guard of every prefix (Docs/Rules.md).
    if !sets.contains(where: \.isEmpty), Set(sets.joined()).count == sets.reduce(0, { $0 + $1.count }), !axes.contains(where: \.isFalse) { return try Guard(axes.flatMap(\.constraints)) }
    return try axes.reduce(Guard.true) { try $0.and($1) }
  }
}

/// A named tensor expression `name[p1: s1, ...] = body`, unfolded by the `unfold` rule. Terms refer to
/// the definition itself, so there is no question which one a name means.
public final class Definition: Hashable, Sendable {
  public let name: String
  public let parameters: [String]
  public let shape: [Affine]
  public let body: Term
  /// A deterministic 64-bit digest of the name and the alpha-normalised content, with the
  /// definitions the body refers to named by their own digests: it is computed once, here, in time
  /// linear in the body. Used to order hypotheses (`Theorem.init`) and, in order keys, to tell
  /// formulas apart before their alpha-keys are compared; nothing is identified by it.
  let digest: UInt64
  /// The number of the live definition with this digest when this one is equal to it, else a new
  /// one: `chain-def` rebuilds copies of a network's definitions at every call, and equal copies
  /// sharing a number compare in one step, not body by body down the network (Docs/Rules.md, "A
  /// note on interning"). Equal definitions may still have different numbers.
  let number: Int
  private struct Entry { weak var definition: Definition? }
  private static let interned = Mutex<(count: Int, entries: [UInt64: Entry])>((0, [:]))

  /// - Throws: when the body mentions an index that is not a parameter, or contains `D` or `vjp`.
  public init(_ name: String, parameters: [String], shape: [Affine], body: Term) throws {
    try requireIdentifier(name, in: "definition")
    for p in parameters { try requireIdentifier(p, in: "definition \(name)") }
    guard Set(parameters).count == parameters.count, shape.count == parameters.count,
      shape.allSatisfy(\.isDimensionOnly)
    else { throw KernelError.malformed(what: "definition \(name)", reason: "parameters must be distinct, each with a dimension size") }
    guard body.freeIndices.isSubset(of: parameters) else {
      throw KernelError.malformed(what: "definition \(name)", reason: "body mentions indices that are not parameters")
    }
    guard !body.containsDerivative else {
      throw KernelError.malformed(what: "definition \(name)", reason: "a body may not contain D or vjp")
    }
    self.name = name
    self.parameters = parameters
    self.shape = shape
    self.body = body
    var p = Printer(deBruijn: true, inlineDefinitions: false)
    p.definitionName = { "#\($0.digest)" }
    p.bound = parameters
    p.out = "(\(name) \(parameters.count) \(p.affines(shape)) "
    p.write(body)
    let digest = fnv1a(p.out), same = Self.interned.withLock { $0.entries[digest]?.definition }
    let equal = same.map { $0.name == name && $0.parameters == parameters && $0.shape == shape && $0.body == body } ?? false
    (self.digest, self.number) = (digest, equal ? same!.number : Self.interned.withLock { $0.count += 1; return $0.count })
    if same == nil { Self.interned.withLock { $0.entries[digest] = Entry(definition: self) } }
  }

  /// Equal numbers first: both were found equal to one definition. Then equal digests: the digest
  /// is a function of the content, so definitions whose digests differ are not equal, and a copy
  /// rebuilt with one change is told apart without walking the network below it.
  public static func == (a: Definition, b: Definition) -> Bool {
    a.number == b.number || (a.digest == b.digest && a.name == b.name && a.parameters == b.parameters && a.shape == b.shape && a.body == b.body)
  }

  public func hash(into hasher: inout Hasher) { hasher.combine(name); hasher.combine(parameters) }
}

/// `vjp` of an output `y[b...]` (binders ranging over `shape`) in the tensor `wrt`, with upstream
/// `seed`, read at the indices `at`; with no binders and no seed, `grad(y, wrt)[at]`.
public struct VectorJacobianProduct: Hashable, Sendable {
  public let output: Term
  public let binders: [String]
  public let shape: [Affine]
  public let wrt: TensorSymbol
  public let seed: TensorSymbol?
  public let at: [Affine]
}

// MARK: - Constructors

extension Term {
  public static func constant(_ value: Rational) -> Term { Term(.constant(value)) }
  public static func integer(_ value: Int) -> Term { Term(.constant(Rational(value))) }
  public static let zero = integer(0)
  public static let one = integer(1)

  public static func dimension(_ name: String) throws -> Term {
    try requireIdentifier(name, in: "dimension")
    return Term(.dimension(name))
  }

  public static func named(_ name: String) throws -> Term {
    try requireIdentifier(name, in: "named constant")
    return Term(.named(name))
  }

  public static func access(_ tensor: TensorSymbol, _ indices: [Affine]) throws -> Term {
    guard indices.count == tensor.shape.count else {
      throw KernelError.malformed(what: "access \(tensor.name)", reason: "\(indices.count) indices for rank \(tensor.shape.count)")
    }
    return Term(.access(tensor, indices))
  }

  /// `[G]`; a true guard is the constant 1 and a false one 0.
  public static func bracket(_ g: Guard) -> Term {
    g.isFalse ? .zero : g.constraints.isEmpty ? .one : Term(.bracket(g))
  }

  /// `sum(binders)[G] body`. With no binders it is `[G] * body`; with a false guard, 0.
  /// - Throws: when binders repeat, are not identifiers, or are not bounded by the guard.
  public static func sum(_ binders: [String], _ g: Guard, _ body: Term) throws -> Term {
    if g.isFalse { return .zero }
    if binders.isEmpty { return g.constraints.isEmpty ? body : .mul([.bracket(g), body]) }
    for b in binders { try requireIdentifier(b, in: "sum") }
    guard Set(binders).count == binders.count else {
      throw KernelError.malformed(what: "sum", reason: "repeated bound index in \(binders)")
    }
    guard g.bounds(binders) else {
      throw KernelError.malformed(what: "sum", reason: "the guard \(g) does not bound every index of \(binders)")
    }
    return Term(.sum(binders, g, body))
  }

  /// n-ary sum; no operand is 0, one operand is itself.
  public static func add(_ terms: [Term]) -> Term { terms.isEmpty ? .zero : terms.count == 1 ? terms[0] : Term(.add(terms)) }

  /// n-ary product; no factor is 1, one factor is itself.
  public static func mul(_ terms: [Term]) -> Term { terms.isEmpty ? .one : terms.count == 1 ? terms[0] : Term(.mul(terms)) }

  public static func power(_ base: Term, _ exponent: Rational) -> Term { Term(.power(base, exponent)) }

  public static func apply(_ f: ScalarFunction, _ argument: Term) -> Term { Term(.apply(f, argument)) }

  public static func reference(_ d: Definition, _ arguments: [Affine]) throws -> Term {
    guard arguments.count == d.parameters.count else {
      throw KernelError.malformed(what: "reference \(d.name)", reason: "\(arguments.count) arguments for \(d.parameters.count) parameters")
    }
    return Term(.reference(d, arguments))
  }

  /// `D body [x := direction]`.
  public static func derivative(_ body: Term, _ x: TensorSymbol, along direction: TensorSymbol) throws -> Term {
    guard x.shape == direction.shape, x.name != direction.name else {
      throw KernelError.malformed(what: "D", reason: "the direction \(direction.name) must be another tensor of the shape of \(x.name)")
    }
    return Term(.derivative(body, x, direction))
  }

  /// `vjp(output, wrt, seed)[at]` (with a seed) or `grad(output, wrt)[at]` (without binders and seed).
  public static func vjp(
    _ output: Term, binders: [String], shape: [Affine], wrt: TensorSymbol, seed: TensorSymbol?, at: [Affine]
  ) throws -> Term {
    // The output may mention indices besides its binders (a class label `c` in
    // `grad(-log(s[c]), z)`): the vjp is then taken for each value of them, and they are free in it.
    let ok = Set(binders).count == binders.count && binders.count == shape.count
      && (seed == nil ? binders.isEmpty : seed!.shape == shape) && at.count == wrt.shape.count
      && !output.containsDerivative
    guard ok else { throw KernelError.malformed(what: "vjp", reason: "output, seed and indices do not fit") }
    return Term(.vjp(VectorJacobianProduct(output: output, binders: binders, shape: shape, wrt: wrt, seed: seed, at: at)))
  }
}
