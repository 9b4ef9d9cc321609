// Sums, guards and reindexing. Each rule rewrites one term `t` (found at a position by `cong`)
// and returns `⊢ t = t'`.

extension Theorem {
  private static func sumParts(_ t: Term, _ rule: String) throws -> ([String], Guard, Term) {
    guard case let .sum(bs, g, body) = t.node else { throw KernelError.ruleMismatch(rule: rule, reason: "\(t) is not a sum") }
    return (bs, g, body)
  }

  /// `sum-linear`: `sum(b)[G] (t1 + ... + tn) = sum(b)[G] t1 + ... + sum(b)[G] tn`.
  public static func sumLinear(_ t: Term) throws -> Theorem {
    let (bs, g, body) = try sumParts(t, "sum-linear")
    guard case let .add(ts) = body.node else { throw KernelError.ruleMismatch(rule: "sum-linear", reason: "the body is not a sum of terms") }
    return Theorem([], t, .add(try ts.map { try .sum(bs, g, $0) }))
  }

  /// `sum-prenex`: `a1 * ... * sum(b)[G] s * ... * an = sum(b)[G] (a1 * ... * s * ... * an)`, when
  /// no `b` occurs free in the other factors.
  public static func sumPrenex(_ t: Term, factor k: Int) throws -> Theorem {
    guard case var .mul(fs) = t.node, fs.indices.contains(k) else { throw KernelError.ruleMismatch(rule: "sum-prenex", reason: "no factor \(k) in \(t)") }
    let (bs, g, body) = try sumParts(fs[k], "sum-prenex")
    for (j, f) in fs.enumerated() where j != k && !f.freeIndices.isDisjoint(with: bs) {
      throw KernelError.ruleMismatch(rule: "sum-prenex", reason: "factor \(f) mentions a bound index of \(bs): rename first")
    }
    fs[k] = body
    return Theorem([], t, try .sum(bs, g, .mul(fs)))
  }

  /// `sum-merge`: `sum(b)[G] sum(c)[H] s = sum(b, c)[G and H] s`, when `c` is disjoint from `b` and
  /// does not occur in `G`.
  public static func sumMerge(_ t: Term) throws -> Theorem {
    let (bs, g, body) = try sumParts(t, "sum-merge")
    let (cs, h, inner) = try sumParts(body, "sum-merge")
    guard Set(cs).isDisjoint(with: bs), g.indices.isDisjoint(with: cs) else {
      throw KernelError.ruleMismatch(rule: "sum-merge", reason: "inner indices \(cs) clash with the outer sum")
    }
    return Theorem([], t, try .sum(bs + cs, g.and(h), inner))
  }

  /// `sum-split`: `sum(b1..bn)[G] s = sum(b1..bk)[G1] sum(bk+1..bn)[G2] s`, where `G2` holds the
  /// constraints of `G` that mention the inner indices and `G1` the rest.
  public static func sumSplit(_ t: Term, at k: Int) throws -> Theorem {
    let (bs, g, body) = try sumParts(t, "sum-split")
    guard k > 0, k < bs.count else { throw KernelError.ruleMismatch(rule: "sum-split", reason: "cannot split \(bs) at \(k)") }
    let (outer, inner) = g.partition(by: Set(bs[k...]))
    let go = try Guard.conjunction(outer.map { ($0.relation, $0.expression) })
    let gi = try Guard.conjunction(inner.map { ($0.relation, $0.expression) })
    return Theorem([], t, try .sum(Array(bs[..<k]), go, .sum(Array(bs[k...]), gi, body)))
  }

  /// `sum-cases`: `sum(b)[G] s = sum(b)[G and e >= 0] s + sum(b)[G and -e - 1 >= 0] s` for an affine
  /// `e` that mentions a bound index: `e` is an integer, so exactly one of `e >= 0`, `e <= -1` holds.
  public static func sumCases(_ t: Term, on e: Affine) throws -> Theorem {
    let (bs, g, body) = try sumParts(t, "sum-cases")
    guard !e.indices.isDisjoint(with: bs) else { throw KernelError.ruleMismatch(rule: "sum-cases", reason: "\(e) mentions no index bound by \(t)") }
    let below = try e.scaled(by: -1).plus(.constant(-1))
    return Theorem([], t, .add([try .sum(bs, g.and(Guard(nonNegative: [e])), body), try .sum(bs, g.and(Guard(nonNegative: [below])), body)]))
  }

  /// `sum-guard`: `sum(b)[G] ([H] * s) = sum(b)[G and H] s`, for every bracket factor of the body.
  public static func sumGuard(_ t: Term) throws -> Theorem {
    let (bs, g, body) = try sumParts(t, "sum-guard")
    var guardAll = g
    var rest: [Term] = []
    for f in (body.node.isMul ? body.children : [body]) {
      if case let .bracket(h) = f.node { guardAll = try guardAll.and(h) } else { rest.append(f) }
    }
    return Theorem([], t, try .sum(bs, guardAll, .mul(rest)))
  }

  /// `bracket-merge`: `[G] * a * [H] * b = [G and H] * a * b`.
  public static func bracketMerge(_ t: Term) throws -> Theorem {
    guard case let .mul(fs) = t.node else { throw KernelError.ruleMismatch(rule: "bracket-merge", reason: "\(t) is not a product") }
    var g = Guard.true
    var rest: [Term] = []
    for f in fs { if case let .bracket(h) = f.node { g = try g.and(h) } else { rest.append(f) } }
    return Theorem([], t, .mul([.bracket(g)] + rest))
  }

  /// `delta-elim`: `sum(b, j)[G and s*j + r == 0] body = sum(b)[G[j := -s*r]] body[j := -s*r]` for a
  /// bound `j` with coefficient `s = ±1` (substitution renames inner bound indices that would capture).
  public static func deltaElim(_ t: Term, index j: String) throws -> Theorem {
    let (bs, g, body) = try sumParts(t, "delta-elim")
    guard bs.contains(j), let c = g.constraints.first(where: {
      $0.relation == .equal && $0.expression.coefficient(of: .index(j)).magnitude == 1
    }) else { throw KernelError.ruleMismatch(rule: "delta-elim", reason: "no equality with coefficient ±1 on bound \(j)") }
    let s = c.expression.coefficient(of: .index(j))
    let value = try c.expression.plus(Affine([(.index(j), -s)])).scaled(by: -s)
    let map = [j: value]
    return Theorem([], t, try .sum(bs.filter { $0 != j }, g.substituting(map), body.substituting(map)))
  }

  /// `change-of-variables`: `sum(.., j, ..)[G] s = sum(.., u, ..)[G[j := e]] s[j := e]` with
  /// `e = sign*u + offset`, `sign = ±1`: a bijection of the integers (`u = sign*(j - offset)`).
  /// `u` must be `j` or a new name; `offset` mentions neither. Renaming a bound index is the case
  /// `sign = 1, offset = 0`.
  public static func changeOfVariables(_ t: Term, index j: String, to u: String, sign: Int, offset: Affine) throws -> Theorem {
    let (bs, g, body) = try sumParts(t, "change-of-variables")
    guard bs.contains(j), sign.magnitude == 1, u == j || !bs.contains(u), !t.freeIndices.contains(u),
      offset.indices.isDisjoint(with: [j, u])
    else { throw KernelError.ruleMismatch(rule: "change-of-variables", reason: "\(j) := \(sign)*\(u) + \(offset) is not an invertible substitution here") }
    let e = try Affine([(.index(u), sign)]).plus(offset)
    let map = [j: e]
    return Theorem([], t, try .sum(bs.map { $0 == j ? u : $0 }, g.substituting(map), body.substituting(map)))
  }

  /// `sum-swap`: the bound indices of one sum in any order (finite sums commute).
  public static func sumSwap(_ t: Term, order: [String]) throws -> Theorem {
    let (bs, g, body) = try sumParts(t, "sum-swap")
    guard order.sorted() == bs.sorted() else { throw KernelError.ruleMismatch(rule: "sum-swap", reason: "\(order) is not a permutation of \(bs)") }
    return Theorem([], t, try .sum(order, g, body))
  }

  /// `sum-count`: `sum(b, j)[G and j + L >= 0 and -j + U >= 0] s = sum(b)[G] (U + L + 1) * s` when `j`
  /// is free neither in `s` nor in `G`, and the length `U + L + 1` is a dimension expression known
  /// to be >= 0 (otherwise the count would be max(0, length)).
  public static func sumCount(_ t: Term, index j: String) throws -> Theorem {
    let (bs, g, body) = try sumParts(t, "sum-count")
    let (others, on) = g.partition(by: [j])
    guard bs.contains(j), !body.freeIndices.contains(j), on.count == 2, on.allSatisfy({ $0.relation == .nonNegative }),
      Set(on.map { $0.expression.coefficient(of: .index(j)) }) == [1, -1]
    else { throw KernelError.ruleMismatch(rule: "sum-count", reason: "\(j) must occur in exactly a lower and an upper bound, and not in the body") }
    let length = try on[0].expression.plus(on[1].expression).plus(.constant(1))
    guard length.isKnownNonNegative else {
      throw KernelError.sideCondition(rule: "sum-count", condition: "\(length) >= 0 for all dimensions")
    }
    let rest = try Guard.conjunction(others.map { ($0.relation, $0.expression) })
    return Theorem([], t, try .sum(bs.filter { $0 != j }, rest, .mul([try Term.affine(length), body])))
  }

  /// `zero-ext`: `x[e] = [0 <= e < shape] * x[e]` (an access outside the shape is 0).
  public static func zeroExt(_ t: Term) throws -> Theorem {
    guard case let .access(x, idx) = t.node else { throw KernelError.ruleMismatch(rule: "zero-ext", reason: "\(t) is not a tensor access") }
    return Theorem([], t, .mul([.bracket(try x.shapeGuard(idx)), t]))
  }

  /// `unfold`: `d[args] = body[params := args]`.
  public static func unfold(_ t: Term) throws -> Theorem {
    guard case let .reference(d, args) = t.node else { throw KernelError.ruleMismatch(rule: "unfold", reason: "\(t) is not a definition") }
    return Theorem([], t, try d.body.substituting(Dictionary(uniqueKeysWithValues: zip(d.parameters, args))))
  }
}

extension Term.Node {
  var isMul: Bool { if case .mul = self { return true } else { return false } }
}

extension Term {
  /// The term for a dimension expression: `c + k1*d1 + ...`.
  static func affine(_ a: Affine) throws -> Term {
    guard a.isDimensionOnly else { throw KernelError.malformed(what: "affine term", reason: "\(a) mentions indices") }
    let parts = try a.terms.map { $0.coefficient == 1 ? try .dimension($0.variable.name) : Term.mul([.integer($0.coefficient), try .dimension($0.variable.name)]) }
    return .add((a.constant == 0 && !parts.isEmpty ? [] : [.integer(a.constant)]) + parts)
  }
}
