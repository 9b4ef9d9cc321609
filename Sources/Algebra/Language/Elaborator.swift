internal import Exact
internal import ProofKernel

/// Resolves the names of parsed expressions and builds kernel terms through the kernel's
/// constructors, so every term it returns is well formed.
///
/// The arithmetic sugar (Docs/TheoremLanguage.md): `a - b` is `a + (-1) * b`; `-e` is the negated
/// number for a number, `(-1) * f1 * ... * fk` for a product `f1 * ... * fk`, and `(-1) * e`
/// otherwise; `a / b` is `a * b ^ (-1)`, except that dividing by a number multiplies the leading
/// numeric factor (inserted if absent) by its reciprocal, so `x / 2` is `(1/2) * x` and `2 / 3` is the
/// number 2/3; `1 / b` alone is `b ^ (-1)`; `sqrt(e)` is `e ^ (1/2)`; `max`, `min` and `abs` are
/// written with `relu` (Elaborator+Sugar.swift).
struct Elaborator {
  let source: Source
  /// Whether an index is checked against the slot it is used in (`checkSlots`).
  var checksShapes = false

  func error(_ message: String, at token: Token) -> ParseError { ParseError(message, at: source.location(token)) }

  /// The source text of an expression, for messages.
  func text(_ e: Expression) -> String { source.text(e.token.start, e.end) }

  /// Runs a kernel constructor, reporting its refusal at `token`.
  func kernel<T>(at token: Token, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ParseError { throw e } catch let e as KernelError {
      throw error("\(e)", at: token)
    } catch {
      throw self.error("\(error)", at: token)
    }
  }

  // MARK: - Terms

  func term(_ e: Expression, _ scope: Scope) throws -> Term {
    switch e.kind {
    case let .number(q): return .constant(q)
    case let .name(n): return try named(Name(text: n, token: e.token), scope)
    case let .subscripted(name, indices): return try subscripted(name, indices, scope)
    case let .group(inner): return try term(inner, scope)
    case let .negation(inner): return Elaborator.negate(try term(inner, scope))
    case let .terms(items):
      return .add(try items.map { item in
        let t = try term(item.1, scope)
        return item.negated ? Elaborator.negate(t) : t
      })
    case let .product(items): return try product(items, scope)
    case let .power(base, exponent):
      let b = try term(base, scope)
      guard case let .constant(q) = try term(exponent, scope).node else {
        throw error("an exponent must be a rational number, found '\(text(exponent))'", at: exponent.token)
      }
      return .power(b, q)
    case let .bracket(constraints): return .bracket(try guardOf(constraints, scope))
    case let .delta(a, b):
      let difference = try kernel(at: e.token) { try affine(a, scope).plus(try affine(b, scope).scaled(by: -1)) }
      return .bracket(try kernel(at: e.token) { try Guard(equal: [difference]) })
    case let .call(f, arguments):
      let a = try arguments.map { try term($0, scope) }
      if let sugar = try Elaborator.sugar(f.text, a) { return sugar }
      guard let function = ScalarFunction(rawValue: f.text), a.count == 1 else { throw error("unknown function '\(f.text)'", at: f.token) }
      return .apply(function, a[0])
    case let .sum(list, body):
      let (names, g, inner) = try bind(list, scope)
      let b = try term(body, inner)
      return try kernel(at: e.token) { try Term.sum(names, g, b) }
    case let .grad(output, wrt, at):
      // A free index of the output (a class label) is a parameter: the gradient is taken for each value.
      let y = try term(output, scope)
      let x = try tensor(wrt, scope)
      let position = try indices(at, for: x, scope, at: wrt.token, what: "grad with respect to")
      return try kernel(at: e.token) { try Term.vjp(y, binders: [], shape: [], wrt: x, seed: nil, at: position) }
    case let .vjp(binders, output, wrt, seed, at):
      return try vjp(binders, output, wrt, seed, at, scope, e.token)
    case let .derivative(body, wrt, direction):
      let b = try term(body, scope)
      let (x, dx) = (try tensor(wrt, scope), try tensor(direction, scope))
      return try kernel(at: e.token) { try Term.derivative(b, x, along: dx) }
    }
  }

  /// `-t`: a negated number, `(-1) * f1 * ... * fk` for a product, `(-1) * t` otherwise.
  static func negate(_ t: Term) -> Term {
    switch t.node {
    case let .constant(q): return .constant(-q)
    case let .mul(fs): return .mul([.integer(-1)] + fs)
    default: return .mul([.integer(-1), t])
    }
  }

  private func product(_ items: [(divided: Bool, Expression)], _ scope: Scope) throws -> Term {
    var factors: [Term] = []
    for (k, (divided, e)) in items.enumerated() {
      let t = try term(e, scope)
      if k == 0 {
        // `-x * y` is `(-1) * x * y`: a leading negation joins the product.
        if case .negation = e.kind, case let .mul(fs) = t.node { factors = fs } else { factors = [t] }
        continue
      }
      guard divided else { factors.append(t); continue }
      if case let .constant(c) = t.node {
        guard !c.isZero else { throw error("division by zero", at: e.token) }
        if case let .constant(lead) = factors[0].node {
          factors[0] = .constant(lead / c)
        } else {
          factors.insert(.constant(Rational(1) / c), at: 0)
        }
      } else if factors.count == 1, case let .constant(one) = factors[0].node, one == Rational(1) {
        factors = [.power(t, Rational(-1))]
      } else {
        factors.append(.power(t, Rational(-1)))
      }
    }
    return .mul(factors)
  }

  private func named(_ name: Name, _ scope: Scope) throws -> Term {
    if scope.isIndex(name.text) {
      throw error("'\(name.text)' is an index: it may appear only inside [...] or in a constraint", at: name.token)
    }
    switch scope.entity(name.text) {
    case .dimension: return try kernel(at: name.token) { try Term.dimension(name.text) }
    case .constant: return try kernel(at: name.token) { try Term.named(name.text) }
    case let .tensor(t):
      guard t.shape.isEmpty else { throw rankError("tensor", name, expected: t.shape.count, given: 0) }
      return try kernel(at: name.token) { try Term.access(t, []) }
    case let .definition(d):
      guard d.parameters.isEmpty else { throw rankError("definition", name, expected: d.parameters.count, given: 0) }
      return try kernel(at: name.token) { try Term.reference(d, []) }
    case nil:
      if Scope.reserved.contains(name.text) { throw error("'\(name.text)' is reserved: write \(name.text)(...)", at: name.token) }
      throw error("unknown name '\(name.text)'", at: name.token)
    }
  }

  private func subscripted(_ name: Name, _ indices: [Expression], _ scope: Scope) throws -> Term {
    if scope.isIndex(name.text) { throw error("'\(name.text)' is an index, not a tensor", at: name.token) }
    switch scope.entity(name.text) {
    case let .tensor(t):
      guard indices.count == t.shape.count else { throw rankError("tensor", name, expected: t.shape.count, given: indices.count) }
      let idx = try indices.map { try affine($0, scope) }
      try checkSlots(indices, idx, t.shape, of: "tensor '\(name.text)'", scope)
      return try kernel(at: name.token) { try Term.access(t, idx) }
    case let .definition(d):
      guard indices.count == d.parameters.count else {
        throw rankError("definition", name, expected: d.parameters.count, given: indices.count)
      }
      let idx = try indices.map { try affine($0, scope) }
      try checkSlots(indices, idx, d.shape, of: "definition '\(name.text)'", scope)
      return try kernel(at: name.token) { try Term.reference(d, idx) }
    case let other?:
      throw error("'\(name.text)' is \(other.article), not a tensor", at: name.token)
    case nil:
      throw error("unknown name '\(name.text)'", at: name.token)
    }
  }

  private func rankError(_ what: String, _ name: Name, expected: Int, given: Int) -> ParseError {
    let noun = what == "tensor" ? "rank \(expected)" : "\(expected) parameter\(expected == 1 ? "" : "s")"
    return error("\(what) '\(name.text)' has \(noun) but is given \(given) ind\(given == 1 ? "ex" : "ices")", at: name.token)
  }

  /// The tensor a name denotes.
  func tensor(_ name: Name, _ scope: Scope) throws -> TensorSymbol {
    switch scope.entity(name.text) {
    case let .tensor(t) where !scope.isIndex(name.text): return t
    case nil where !scope.isIndex(name.text): throw error("unknown name '\(name.text)'", at: name.token)
    default: throw error("'\(name.text)' is not a tensor", at: name.token)
    }
  }

  /// The index expressions of a `grad`/`vjp`, one per axis of `x`.
  private func indices(_ at: [Expression], for x: TensorSymbol, _ scope: Scope, at token: Token, what: String) throws -> [Affine] {
    guard at.count == x.shape.count else {
      throw error("\(what) '\(x.name)' needs \(x.shape.count) ind\(x.shape.count == 1 ? "ex" : "ices") but is given \(at.count)", at: token)
    }
    return try at.map { try affine($0, scope) }
  }

  private func vjp(
    _ binders: [(Name, Expression)], _ output: Expression, _ wrt: Name, _ seed: Name, _ at: [Expression],
    _ scope: Scope, _ token: Token
  ) throws -> Term {
    var inner = scope
    var names: [String] = []
    var shape: [Affine] = []
    for (name, size) in binders {
      try checkIndexName(name, scope, alreadyBound: names)
      names.append(name.text)
      shape.append(try dimensionAffine(size, scope, what: "the range of '\(name.text)'"))
    }
    inner.bind(names, ranges: shape)
    let y = try term(output, inner)
    let (x, dy) = (try tensor(wrt, scope), try tensor(seed, scope))
    guard dy.shape == shape else {
      throw error("the seed '\(dy.name)' has shape \(dy.shape) but the binders range over \(shape)", at: seed.token)
    }
    let position = try indices(at, for: x, scope, at: wrt.token, what: "vjp with respect to")
    return try kernel(at: token) { try Term.vjp(y, binders: names, shape: shape, wrt: x, seed: dy, at: position) }
  }
}
