public import ProofKernel

// Index arithmetic: affine expressions at the current indices, guards, and the enumeration of a
// guard's integer points.

extension ExactEvaluator {
  /// The size of dimension `name`.
  /// - Throws: `missingDimension`, or `invalidDimension` for a size below 1.
  func dimension(_ name: String) throws -> Int {
    guard let n = environment.dimensions[name] else { throw EvaluationError.missingDimension(name) }
    guard n >= 1 else { throw EvaluationError.invalidDimension(name, value: n) }
    return n
  }

  /// The value of `e` at the current indices and dimensions.
  func evaluate(_ e: Affine) throws -> Int {
    try evaluate(e, excluding: nil)
  }

  /// The value of `e` with the index `excluded` (if any) taken as 0.
  func evaluate(_ e: Affine, excluding excluded: String?) throws -> Int {
    var total = e.constant
    for (variable, coefficient) in e.terms {
      let x: Int
      switch variable {
      case let .dimension(name): x = try dimension(name)
      case let .index(name):
        if name == excluded { continue }
        guard let value = scope[name] else { throw EvaluationError.missingIndex(name) }
        x = value
      }
      let (product, o1) = coefficient.multipliedReportingOverflow(by: x)
      let (sum, o2) = total.addingReportingOverflow(product)
      if o1 || o2 { throw EvaluationError.overflow("\(e)") }
      total = sum
    }
    return total
  }

  /// True when the constraint holds at the current indices.
  func satisfies(_ c: Constraint) throws -> Bool {
    let v = try evaluate(c.expression)
    return c.relation == .equal ? v == 0 : v >= 0
  }

  /// True when every constraint of `g` holds at the current indices (never for a false guard).
  ///
  /// ```swift
  /// try evaluator.holds(.axis("i", size: .dimension("n")))   // 0 <= i < n
  /// ```
  /// - Throws: `missingIndex` or `missingDimension` for a variable without a value.
  public func holds(_ g: Guard) throws -> Bool {
    if g.isFalse { return false }
    for c in g.constraints where try !satisfies(c) { return false }
    return true
  }

  /// Calls `visit` at each integer point of the enumeration's guard, with its bound indices set in
  /// `scope` (shadowing outer indices of the same names, restored afterwards); stops when `visit`
  /// returns false.
  mutating func forEachPoint(
    of points: GuardEnumeration, _ visit: (inout ExactEvaluator) throws -> Bool
  ) throws {
    for c in points.outer where try !satisfies(c) { return }
    let saved = points.order.map { scope[$0] }
    defer { for (b, v) in zip(points.order, saved) { scope[b] = v } }
    let limits = points.needsBox ? try box(points) : [:]
    _ = try enumerate(points, level: 0, limits, visit)
  }

  /// A finite box around the guard's points: bounds propagated through the constraints (each
  /// equality as two inequalities) from the outer values, until they stop changing.
  /// - Throws: `EvaluationError.unsupported` when some index stays unbounded.
  func box(_ points: GuardEnumeration) throws -> [String: ClosedRange<Int>] {
    let inner = Set(points.order)
    var rows: [(terms: [(Variable, Int)], constant: Int)] = []
    for c in points.levels.joined() {
      var constant = c.expression.constant
      var terms: [(Variable, Int)] = []
      for (v, k) in c.expression.terms {
        if case let .index(n) = v, inner.contains(n) { terms.append((v, k)) } else {
          constant = try checkedSum(constant, checkedProduct(k, evaluate(Affine([(v, 1)]))))
        }
      }
      rows.append((terms, constant))
      if c.relation == .equal { rows.append((terms.map { ($0.0, -$0.1) }, -constant)) }
    }
    var lower: [String: Int] = [:], upper: [String: Int] = [:]
    for _ in 0..<(2 * inner.count + 2) {
      for (terms, constant) in rows {
        for (v, k) in terms {
          guard case let .index(b) = v else { continue }
          // k*b >= -(constant + sum of the others): bound the others' sum from above.
          var othersMax = constant
          var known = true
          for (w, m) in terms where w != v {
            guard case let .index(o) = w, let bound = m > 0 ? upper[o] : lower[o] else { known = false; break }
            othersMax = try checkedSum(othersMax, checkedProduct(m, bound))
          }
          guard known else { continue }
          if k > 0 {
            let lo = LoweredLoop.ceilingDivide(-othersMax, k)
            lower[b] = max(lower[b] ?? lo, lo)
          } else {
            let hi = LoweredLoop.floorDivide(othersMax, -k)
            upper[b] = min(upper[b] ?? hi, hi)
          }
        }
      }
    }
    var result: [String: ClosedRange<Int>] = [:]
    for b in points.order {
      guard let lo = lower[b], let hi = upper[b] else { throw EvaluationError.unsupported("indices over a guard that does not bound \(b)") }
      result[b] = lo <= hi ? lo...hi : 1...0
    }
    return result
  }

  /// Enumerates the bound indices from `level` on; false when `visit` asked to stop.
  private mutating func enumerate(
    _ points: GuardEnumeration, level: Int, _ limits: [String: ClosedRange<Int>],
    _ visit: (inout ExactEvaluator) throws -> Bool
  ) throws -> Bool {
    if level == points.order.count { return try visit(&self) }
    let b = points.order[level]
    let bounds = try points.levels[level].map { c in
      (relation: c.relation, coefficient: c.expression.coefficient(of: .index(b)),
       rest: try evaluate(c.expression, excluding: b))
    }
    guard var range = try GuardEnumeration.interval(bounds, of: b) else { return true }
    if let limit = limits[b] {
      guard range.overlaps(limit) else { return true }
      range = range.clamped(to: limit)
    }
    if range.lowerBound == .min || range.upperBound == .max {
      throw EvaluationError.unsupported("indices over a guard that does not bound \(b)")
    }
    for v in range {
      scope[b] = v
      if try !enumerate(points, level: level + 1, limits, visit) { return false }
    }
    return true
  }
}

private func checkedSum(_ a: Int, _ b: Int) throws -> Int {
  let (r, o) = a.addingReportingOverflow(b)
  if o { throw EvaluationError.overflow("the bounds of a sum") }
  return r
}

private func checkedProduct(_ a: Int, _ b: Int) throws -> Int {
  let (r, o) = a.multipliedReportingOverflow(by: b)
  if o { throw EvaluationError.overflow("the bounds of a sum") }
  return r
}
