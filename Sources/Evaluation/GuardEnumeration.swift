internal import ProofKernel

/// An order in which to enumerate the integer points of a guard over some bound indices, with each
/// constraint attached to the index that completes it.
///
/// The order follows the kernel's boundedness check (`Term.sum` refuses a guard that does not bound
/// its binders): an index comes next once, besides it, the constraints with a positive coefficient
/// on it (a lower bound, or an equality) and those with a negative one (an upper bound, or an
/// equality) mention only outer variables and indices already placed. When the earlier indices have
/// values, the constraints attached to the next index bound it to a finite integer interval, and
/// every constraint is attached to exactly one index (or to none, when it mentions no binder): so
/// enumerating the intervals level by level visits exactly the points of the guard, each once, with
/// no box to filter.
///
/// Example: `0 <= j < n and 0 <= i <= j` over `[i, j]`. `i` is not bounded above without `j`, and
/// `j` is bounded by `j >= 0` and `n - 1 - j >= 0`, so the order is `[j, i]`: those two constraints
/// are attached to `j`, and `i >= 0`, `j - i >= 0` to `i`.
///
/// - Complexity: enumeration costs O(constraints) per visited point and per empty interval.
struct GuardEnumeration {
  /// The bound indices, in enumeration order.
  let order: [String]
  /// Constraints that mention no bound index: checked once, before enumerating.
  let outer: [Constraint]
  /// `levels[k]`: the constraints whose last bound index in `order` is `order[k]`.
  let levels: [[Constraint]]
  /// True when some index is bounded only through indices enumerated after it (the triangle
  /// `0 <= i <= j < n` without `j >= 0`): then each index also stays within a box computed first
  /// (`LoweredLoop.box`), and the level constraints filter the points.
  let needsBox: Bool

  /// The enumeration of `g` over `binders`; nil when `g` is false.
  init?(_ binders: [String], _ g: Guard) {
    guard !g.isFalse else { return nil }
    var placed: [String] = []
    var open = binders
    var needsBox = false
    while !open.isEmpty {
      let unplaced = Set(open)
      guard let next = open.firstIndex(where: { GuardEnumeration.isBounded($0, g, open: unplaced) }) else {
        placed += open  // bounded jointly, not one after another
        needsBox = true
        break
      }
      placed.append(open.remove(at: next))
    }
    let position = Dictionary(uniqueKeysWithValues: placed.enumerated().map { ($1, $0) })
    var outer: [Constraint] = []
    var levels = [[Constraint]](repeating: [], count: placed.count)
    for c in g.constraints {
      let last = c.expression.indices.compactMap { position[$0] }.max()
      if let last { levels[last].append(c) } else { outer.append(c) }
    }
    self.order = placed
    self.outer = outer
    self.levels = levels
    self.needsBox = needsBox
  }

  /// True when `b` has a lower and an upper bound among the constraints that mention, besides it,
  /// no index of `open` (the binders not yet placed).
  private static func isBounded(_ b: String, _ g: Guard, open: Set<String>) -> Bool {
    var below = false, above = false
    for c in g.constraints {
      let k = c.expression.coefficient(of: .index(b))
      guard k != 0, c.expression.indices.subtracting([b]).isDisjoint(with: open) else { continue }
      if c.relation == .equal || k > 0 { below = true }
      if c.relation == .equal || k < 0 { above = true }
    }
    return below && above
  }
}
