/// One affine constraint `e >= 0` or `e == 0`, in canonical form.
///
/// Canonical form: for `e >= 0`, the variable coefficients are divided by their gcd `g` and the
/// constant rounded down, `floor(c / g)` (over the integers `g*x + c >= 0` holds exactly when
/// `x + floor(c/g) >= 0`). For `e == 0`, the gcd must divide the constant (otherwise the constraint is
/// false) and the first coefficient is made positive.
public struct Constraint: Hashable, Sendable {
  public enum Relation: Hashable, Comparable, Sendable { case equal, nonNegative }
  public let relation: Relation
  public let expression: Affine

  init(relation: Relation, canonical expression: Affine) {
    self.relation = relation
    self.expression = expression
  }

  /// The canonical form of `expression (>= | ==) 0`; nil when it is false for every value of the
  /// variables with no variables, or an equality the gcd rules out.
  static func canonical(_ relation: Relation, _ e: Affine) throws -> Constraint?? {
    let g = try e.terms.reduce(0) { try gcd(UInt($0), $1.coefficient.magnitude) }
    if g == 0 {  // no variables: decided now
      let holds = relation == .equal ? e.constant == 0 : e.constant >= 0
      return holds ? .some(nil) : nil
    }
    var constant = e.constant
    var sign = 1
    switch relation {
    case .nonNegative:
      constant = floorDivide(e.constant, g)
    case .equal:
      if e.constant % g != 0 { return nil }
      constant = e.constant / g
      sign = e.terms[0].coefficient < 0 ? -1 : 1
    }
    // Dividing by the gcd and fixing the sign keeps the terms sorted, distinct and non-zero.
    let scaled = Affine(constant: try Checked.mul(constant, sign), canonical: try e.terms.map { ($0.variable, try Checked.mul($0.coefficient / g, sign)) })
    return .some(Constraint(relation: relation, canonical: scaled))
  }
}

func gcd(_ a: UInt, _ b: UInt) throws -> Int {
  var (x, y) = (a, b)
  while y != 0 { (x, y) = (y, x % y) }
  guard let g = Int(exactly: x) else { throw KernelError.overflow(what: "a guard's coefficients") }
  return g
}

/// Floor division for a positive divisor.
func floorDivide(_ a: Int, _ b: Int) -> Int {
  let q = a / b
  return (a % b != 0 && a < 0) ? q - 1 : q
}

/// A conjunction of affine constraints on indices (an Iverson bracket `[G]` is 1 where `G` holds and
/// 0 elsewhere), kept canonical: each constraint canonical, sorted, no duplicates, and of several
/// inequalities with the same variable part only the strongest. A guard is `false` when one of its
/// constraints is false for every value; `true` when it has no constraint.
public struct Guard: Hashable, Sendable {
  /// The constraints, sorted; empty means `true`.
  public let constraints: [Constraint]
  /// True when some constraint is unsatisfiable on its own (then `constraints` is empty).
  public let isFalse: Bool

  public static let `true` = Guard(constraints: [], isFalse: false)
  public static let `false` = Guard(constraints: [], isFalse: true)

  init(constraints: [Constraint], isFalse: Bool) {
    self.constraints = constraints
    self.isFalse = isFalse
  }

  /// The canonical conjunction of `e >= 0` for each `nonNegative` and `e == 0` for each `equal`.
  public init(nonNegative: [Affine] = [], equal: [Affine] = []) throws {
    self = try Guard.conjunction(nonNegative.map { (.nonNegative, $0) } + equal.map { (.equal, $0) })
  }

  /// The canonical conjunction of `constraints`.
  public init(_ constraints: [Constraint]) throws {
    self = try Guard.conjunction(constraints.map { ($0.relation, $0.expression) })
  }

  /// `lower <= index <= upper`.
  public static func range(_ index: String, from lower: Affine, through upper: Affine) throws -> Guard {
    let i = try Affine.index(index)
    return try Guard(nonNegative: [i.plus(lower.scaled(by: -1)), upper.plus(i.scaled(by: -1))])
  }

  /// `0 <= index < size`, the range of an axis of that size.
  public static func axis(_ index: String, size: Affine) throws -> Guard {
    try range(index, from: .constant(0), through: size.plus(.constant(-1)))
  }

  static func conjunction(_ items: [(Constraint.Relation, Affine)]) throws -> Guard {
    // Guards hold a few constraints: arrays searched in line are cheaper than hashing (this runs
    // wherever a rule builds or renames a guard), and the order is fixed by the sort at the end.
    var strongest: [(part: Affine, constant: Int)] = []  // an inequality's variable part, its smallest constant
    var equalities: [Affine] = []
    for (relation, e) in items {
      guard let maybe = try Constraint.canonical(relation, e) else { return .false }
      guard let c = maybe else { continue }  // always true
      if c.relation == .equal {
        if !equalities.contains(c.expression) { equalities.append(c.expression) }
        continue
      }
      let part = Affine(constant: 0, canonical: c.expression.terms)
      if let k = strongest.firstIndex(where: { $0.part == part }) { strongest[k].constant = min(strongest[k].constant, c.expression.constant) } else { strongest.append((part, c.expression.constant)) }
    }
    // Opposite inequalities p + c >= 0 and -p + c' >= 0: false when c + c' < 0, an equality when 0.
    var paired: Set<Int> = []
    for (k, (part, c)) in strongest.enumerated() where part.terms[0].coefficient > 0 {
      let opposite = try part.scaled(by: -1)
      guard let o = strongest.firstIndex(where: { $0.part == opposite }) else { continue }
      let total = try Checked.add(c, strongest[o].constant)
      if total < 0 { return .false }
      if total == 0 {
        paired.formUnion([k, o])
        let e = try part.plus(.constant(c))
        if !equalities.contains(e) { equalities.append(e) }
      }
    }
    // Dimensions are >= 1: an inequality over dimensions alone that holds at its weakest point holds.
    var result = equalities.map { Constraint(relation: .equal, canonical: $0) }
    for (k, (part, constant)) in strongest.enumerated() where !paired.contains(k) {
      let e = try part.plus(.constant(constant))
      if !e.isKnownNonNegative { result.append(Constraint(relation: .nonNegative, canonical: e)) }
    }
    // The deterministic order: equalities first, then by expression (keys computed once).
    let keyed = result.map { ($0, $0.expression.sortKey) }.sorted {
      $0.0.relation != $1.0.relation ? $0.0.relation < $1.0.relation : $0.1.lexicographicallyPrecedes($1.1)
    }
    return Guard(constraints: keyed.map(\.0), isFalse: false)
  }

  /// The conjunction of both guards.
  public func and(_ other: Guard) throws -> Guard {
    if isFalse || other.isFalse { return .false }
    // Where one's constraints are among the other's (`true`, or `G and G`), the other is their
    // canonical conjunction already: a canonical guard is its own.
    if constraints.allSatisfy(other.constraints.contains) { return other }
    if other.constraints.allSatisfy(constraints.contains) { return self }
    return try Guard.conjunction((constraints + other.constraints).map { ($0.relation, $0.expression) })
  }

  /// Replaces indices by affine expressions, and re-canonicalizes.
  public func substituting(_ map: [String: Affine]) throws -> Guard {
    let moved = try constraints.map { ($0.relation, try $0.expression.substituting(map)) }
    // None moved (or false: no constraints): the guard is canonical already, its own conjunction.
    return zip(moved, constraints).allSatisfy({ $0.1 == $1.expression }) ? self : try Guard.conjunction(moved)
  }

  /// Index names the constraints mention.
  public var indices: Set<String> { constraints.reduce(into: Set()) { $0.formUnion($1.expression.indices) } }

  /// The constraints that mention none of `names`, and those that mention some.
  func partition(by names: Set<String>) -> (without: [Constraint], with: [Constraint]) {
    (constraints.filter { $0.expression.indices.isDisjoint(with: names) },
     constraints.filter { !$0.expression.indices.isDisjoint(with: names) })
  }

  /// True when every index of `binders` is bounded above and below by the constraints, so a sum
  /// over them under this guard is finite. A constraint `k*b + sum m*c + r >= 0` bounds `b` below
  /// (`k > 0`) or above (`k < 0`) once every other bound index `c` in it is bounded above where
  /// `m > 0` and below where `m < 0` (the rest is fixed); an equality bounds both ways. Repeated
  /// until nothing changes.
  func bounds(_ binders: [String]) -> Bool {
    if isFalse { return true }
    // A sum binds a few indices: arrays are cheaper than sets here, and this runs at every sum
    // the kernel builds.
    let inner = binders.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    var lower: [String] = [], upper: [String] = []
    var progress = true
    while progress {
      progress = false
      for c in constraints {
        let terms = c.expression.terms
        // An equality is two inequalities, e >= 0 and -e >= 0. Only the coefficients' signs
        // matter, and a sign negates where a coefficient of Int.min would not.
        for sign in c.relation == .equal ? [1, -1] : [1] {
          for (v, k) in terms {
            guard case let .index(b) = v, inner.contains(b) else { continue }
            let ready = terms.allSatisfy { w, m in
              guard case let .index(o) = w, o != b, inner.contains(o) else { return true }
              return m.signum() * sign > 0 ? upper.contains(o) : lower.contains(o)
            }
            guard ready else { continue }
            if k.signum() * sign > 0, !lower.contains(b) { lower.append(b); progress = true }
            if k.signum() * sign < 0, !upper.contains(b) { upper.append(b); progress = true }
          }
        }
      }
      // Both lists hold indices of `inner` only, so full lists are the answer: no pass to confirm.
      if lower.count == inner.count, upper.count == inner.count { return true }
    }
    return false
  }
}

extension Affine {
  /// A total order used to sort constraints deterministically.
  var sortKey: [Int] {
    var key: [Int] = []
    for (v, c) in terms {
      if case .index = v { key.append(1) } else { key.append(0) }
      key.append(contentsOf: v.name.unicodeScalars.map { Int($0.value) })
      key.append(-1)
      key.append(c)
    }
    key.append(Int.min)
    key.append(constant)
    return key
  }
}
