// Guards that bound their indices only jointly (`0 <= i <= j < n` without `j >= 0`): the kernel
// accepts them, no nesting order gives each loop finite bounds from the outer indices alone, so the
// exact back ends first compute a box around the points and clamp each level to it.

extension LoweredLoop {
  /// One inequality `Σ coefficients[t] · level(levels[t]) + rest >= 0` over the loop's own indices
  /// (`rest` over outer slots); an equality of the guard is two rows, the second `negated`.
  struct JointRow: Hashable, Sendable {
    let levels: [Int]
    let coefficients: [Int]
    let rest: LoweredAffine
    let negated: Bool
  }

  /// A finite box around the guard's points, one range per level (empty `1...0` where there are
  /// none): bounds propagated through the rows from the outer slot values until they stop changing
  /// (2 · levels + 2 rounds, enough for bounds that pass through every index twice).
  /// - Throws: `EvaluationError.unsupported` when some index stays unbounded (a `forall` over an
  ///   unbounded guard), `overflow` when the bounds leave `Int`.
  func box(_ values: [Int]) throws -> [ClosedRange<Int>] {
    let rows = joint ?? []
    let constants = try rows.map { row -> Int in
      guard let rest = row.rest.checkedValue(values) else { throw EvaluationError.overflow("the bounds of a sum") }
      return row.negated ? try checkedNegation(rest, in: "the bounds of a sum") : rest
    }
    var lower = [Int?](repeating: nil, count: slots.count), upper = lower
    for _ in 0..<(2 * slots.count + 2) {
      for (row, constant) in zip(rows, constants) {
        for (t, b) in row.levels.enumerated() {
          let k = row.negated ? -row.coefficients[t] : row.coefficients[t]
          // k*b >= -(constant + sum of the others): bound the others' sum from above.
          var othersMax: Int? = constant
          for (u, o) in row.levels.enumerated() where u != t {
            let m = row.negated ? -row.coefficients[u] : row.coefficients[u]
            guard let bound = m > 0 ? upper[o] : lower[o], let sum = othersMax else { othersMax = nil; break }
            othersMax = try checkedSum(sum, checkedProduct(m, bound))
          }
          guard let othersMax else { continue }
          if k > 0 {
            let lo = LoweredLoop.ceilingDivide(try checkedNegation(othersMax, in: "the bounds of a sum"), k)
            lower[b] = max(lower[b] ?? lo, lo)
          } else {
            let hi = LoweredLoop.floorDivide(othersMax, -k)
            upper[b] = min(upper[b] ?? hi, hi)
          }
        }
      }
    }
    return try (0..<slots.count).map { b in
      guard let lo = lower[b], let hi = upper[b] else {
        throw EvaluationError.unsupported("indices over a guard that does not bound \(binders[b])")
      }
      return lo <= hi ? lo...hi : 1...0
    }
  }
}

/// `-x`, throwing on `Int.min`.
func checkedNegation(_ x: Int, in what: String) throws -> Int {
  guard x != .min else { throw EvaluationError.overflow(what) }
  return -x
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
