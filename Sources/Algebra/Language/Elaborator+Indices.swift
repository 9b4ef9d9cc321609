internal import Exact
internal import ProofKernel

// Index expressions, constraints and binders: the affine part of the language.

extension Elaborator {
  /// Coefficients and constants of index expressions stay below this magnitude, far from the
  /// machine-integer range the kernel's index arithmetic checks.
  static let indexBound = 1 << 62

  private struct NotAffine: Error {}

  /// An index expression: affine with integer coefficients over indices and dimensions.
  /// - Throws: "index expression must be affine: ..." at the expression, or an unknown-name error.
  func affine(_ e: Expression, _ scope: Scope) throws -> Affine {
    do {
      let a = try affinePart(e, scope)
      let magnitudes = [a.constant] + a.terms.map(\.coefficient)
      guard magnitudes.allSatisfy({ $0.magnitude < UInt(Elaborator.indexBound) }) else {
        throw error("index arithmetic out of range: \(text(e))", at: e.token)
      }
      return a
    } catch is NotAffine {
      throw error("index expression must be affine: \(text(e))", at: e.token)
    } catch is KernelError {
      throw error("index arithmetic out of range: \(text(e))", at: e.token)
    }
  }

  /// An index expression over dimensions only (a size, a shape).
  func dimensionAffine(_ e: Expression, _ scope: Scope, what: String) throws -> Affine {
    let a = try affine(e, scope)
    if let i = a.indices.sorted().first {
      throw error("\(what) must be a dimension expression, but it mentions the index '\(i)'", at: e.token)
    }
    return a
  }

  /// The affine value of `e`, or `nil` when it is not an index expression (unknown names still
  /// throw, so that `i < n` with an undeclared `i` reports the missing index).
  func affineIfPossible(_ e: Expression, _ scope: Scope) throws -> Affine? {
    do { return try affinePart(e, scope) } catch is NotAffine { return nil } catch is KernelError { return nil }
  }

  private func affinePart(_ e: Expression, _ scope: Scope) throws -> Affine {
    switch e.kind {
    case let .number(q):
      guard q.isInteger, let n = Int(exactly: q.numerator), n.magnitude < UInt(Elaborator.indexBound) else { throw NotAffine() }
      return .constant(n)
    case let .name(n):
      if scope.isIndex(n) { return try Affine.index(n) }
      switch scope.entity(n) {
      case .dimension: return try Affine.dimension(n)
      case nil: throw error(scope.unboundIndexMessage(n), at: e.token)
      default: throw NotAffine()
      }
    case let .group(inner): return try affinePart(inner, scope)
    case let .negation(inner): return try affinePart(inner, scope).scaled(by: -1)
    case let .terms(items):
      return try items.reduce(Affine.constant(0)) { sum, item in
        let a = try affinePart(item.1, scope)
        return try sum.plus(item.negated ? a.scaled(by: -1) : a)
      }
    case let .product(items):
      var coefficient = 1
      var variable: Affine?
      for (divided, factor) in items {
        if divided { throw NotAffine() }
        let a = try affinePart(factor, scope)
        if a.terms.isEmpty {
          let (p, overflow) = coefficient.multipliedReportingOverflow(by: a.constant)
          if overflow { throw NotAffine() }
          coefficient = p
        } else if variable == nil {
          variable = a
        } else {
          throw NotAffine()
        }
      }
      return try (variable ?? .constant(1)).scaled(by: coefficient)
    default:
      throw NotAffine()
    }
  }

  // MARK: - Constraints

  /// The conjunction of constraints: `a < b` is `b - a - 1 >= 0`, `a <= b` is `b - a >= 0`, `a == b`
  /// (or `a = b`) is `a - b == 0`; a chain `0 <= i < n` is the conjunction of its links.
  func guardOf(_ constraints: [ConstraintSyntax], _ scope: Scope) throws -> Guard {
    var nonNegative: [Affine] = []
    var equal: [Affine] = []
    var isFalse = false
    for c in constraints {
      switch c.kind {
      case let .literal(value): if !value { isFalse = true }
      case let .chain(operands, relations):
        let values = try operands.map { try affine($0, scope) }
        for (k, relation) in relations.enumerated() {
          let (a, b) = (values[k], values[k + 1])
          try kernel(at: operands[k].token) {
            switch relation {
            case .less: nonNegative.append(try b.plus(a.scaled(by: -1)).plus(.constant(-1)))
            case .lessOrEqual: nonNegative.append(try b.plus(a.scaled(by: -1)))
            case .greater: nonNegative.append(try a.plus(b.scaled(by: -1)).plus(.constant(-1)))
            case .greaterOrEqual: nonNegative.append(try a.plus(b.scaled(by: -1)))
            case .equal, .doubleEqual: equal.append(try a.plus(b.scaled(by: -1)))
            case .notEqual: throw error("'!=' is not an index constraint (a guard holds conjunctions of =, <, <=)", at: operands[k + 1].token)
            }
          }
        }
      }
    }
    if isFalse { return .false }
    return try kernel(at: constraints.first!.token) { try Guard(nonNegative: nonNegative, equal: equal) }
  }

  // MARK: - Binders

  /// Refuses an index name that is reserved, shadows a dimension, or repeats one of `alreadyBound`.
  func checkIndexName(_ name: Name, _ scope: Scope, alreadyBound: [String]) throws {
    if Scope.reserved.contains(name.text) { throw error("'\(name.text)' is reserved and cannot name an index", at: name.token) }
    if case .dimension = scope.entity(name.text) {
      throw error("the index '\(name.text)' would shadow the dimension '\(name.text)'", at: name.token)
    }
    if alreadyBound.contains(name.text) { throw error("the index '\(name.text)' is bound twice", at: name.token) }
  }

  /// The binders of a `sum` or `forall`: their names, the guard (each range `i: n` is
  /// `0 <= i < n`, sizes read outside the binders; then the constraints after `|`, read with the
  /// binders in scope), and the scope inside.
  func bind(_ list: BinderList, _ scope: Scope) throws -> (names: [String], guard: Guard, inner: Scope) {
    var names: [String] = []
    var sizes: [Affine?] = []
    var g = Guard.true
    for (name, size) in list.binders {
      try checkIndexName(name, scope, alreadyBound: names)
      names.append(name.text)
      sizes.append(nil)
      if let size {
        let n = try affine(size, scope)
        sizes[sizes.count - 1] = n
        g = try kernel(at: size.token) { try g.and(Guard.axis(name.text, size: n)) }
      }
    }
    var inner = scope
    inner.bind(names, ranges: sizes)
    if !list.constraints.isEmpty {
      let extra = try guardOf(list.constraints, inner)
      g = try kernel(at: list.constraints[0].token) { try g.and(extra) }
    }
    return (names, g, inner)
  }

  /// The shape check: an index written alone in a slot, whose range is a single dimension, must
  /// range over that slot's dimension (`sum(j: m) W[j, i]` for `W[n, m]` is an index-order slip).
  /// Affine slots (`p + u - P`, `2 * i`) and other sizes are left alone: reading outside a shape
  /// gives 0, which padding relies on.
  func checkSlots(_ written: [Expression], _ idx: [Affine], _ shape: [Affine], of what: String, _ scope: Scope) throws {
    guard checksShapes else { return }
    func dimension(_ a: Affine) -> String? {
      guard a.constant == 0, a.terms.count == 1, a.terms[0].coefficient == 1, case let .dimension(d) = a.terms[0].variable else { return nil }
      return d
    }
    for (k, (e, size)) in zip(idx, shape).enumerated() {
      guard e.constant == 0, e.terms.count == 1, e.terms[0].coefficient == 1, case let .index(i) = e.terms[0].variable,
            let range = scope.ranges[i], let r = dimension(range), let s = dimension(size), r != s else { continue }
      throw error("the index '\(i)' ranges over \(r), but slot \(k + 1) of \(what) has size \(s)", at: written[k].token)
    }
  }
}
