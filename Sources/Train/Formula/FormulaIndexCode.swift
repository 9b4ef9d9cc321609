import ProofKernel

/// Why the formula evaluator cannot run a term (the caller reports it at the spec's line).
struct FormulaRefusal: Error, CustomStringConvertible {
  let message: String
  init(_ message: String) { self.message = message }
  var description: String { message }
}

/// An affine index expression with the dimensions substituted: a constant plus integer multiples
/// of index slots.
struct CompiledAffine {
  /// Beyond this magnitude a coefficient or constant is refused, so that index arithmetic over
  /// indices below 2^31 cannot overflow.
  static let limit = 1 << 30

  let constant: Int
  let slots: [Int]
  let coefficients: [Int]

  /// `e` with dimensions at their sizes and index names at their slots; `excluding` drops one index.
  init(_ e: Affine, dimensions: [String: Int], slots env: [String: Int], excluding: String? = nil) throws {
    var constant = e.constant
    var slots: [Int] = [], coefficients: [Int] = []
    for (variable, k) in e.terms {
      guard abs(k) <= CompiledAffine.limit else { throw FormulaRefusal("the index coefficient \(k) in \(e) is too large") }
      switch variable {
      case let .dimension(name):
        guard let n = dimensions[name] else { throw FormulaRefusal("the dimension '\(name)' has no size in this layer") }
        constant += k * n
      case let .index(name):
        if name == excluding { continue }
        guard let slot = env[name] else { throw FormulaRefusal("the index '\(name)' is not bound") }
        slots.append(slot)
        coefficients.append(k)
      }
    }
    guard abs(constant) <= CompiledAffine.limit else { throw FormulaRefusal("the index expression \(e) is too large") }
    self.constant = constant
    self.slots = slots
    self.coefficients = coefficients
  }

  /// The value at the current indices.
  @inline(__always) func value(_ values: UnsafeMutablePointer<Int>) -> Int {
    var total = constant
    for k in 0..<slots.count { total &+= coefficients[k] &* values[slots[k]] }
    return total
  }
}

/// A constraint `e == 0` or `e >= 0`, compiled.
struct CompiledConstraint {
  let isEquality: Bool
  let expression: CompiledAffine

  init(_ c: Constraint, dimensions: [String: Int], slots: [String: Int]) throws {
    isEquality = c.relation == .equal
    expression = try CompiledAffine(c.expression, dimensions: dimensions, slots: slots)
  }

  @inline(__always) func holds(_ values: UnsafeMutablePointer<Int>) -> Bool {
    let v = expression.value(values)
    return isEquality ? v == 0 : v >= 0
  }
}

/// The integer points of a guard over some bound indices, visited in nested loops: the order and the
/// attachment of each constraint to the index that completes it follow `GuardEnumeration` of the
/// `Evaluation` module (an index comes next once the constraints bounding it above and below
/// mention only outer variables and indices already placed), so each level is one integer interval.
final class IndexLoop {
  private struct Bound {
    let isEquality: Bool
    let coefficient: Int
    let rest: CompiledAffine
  }

  private let indices: FormulaIndices
  private let outer: [CompiledConstraint]
  private let slots: [Int]
  private let bounds: [[Bound]]

  /// The loop over `binders` (already given slots in `env`) through `g`.
  /// - Throws: `FormulaRefusal` when the guard bounds the indices only jointly (no order works).
  init(_ binders: [String], _ g: Guard, dimensions: [String: Int], slots env: [String: Int], indices: FormulaIndices) throws {
    self.indices = indices
    var placed: [String] = []
    var open = binders
    while !open.isEmpty {
      let unplaced = Set(open)
      guard let next = open.firstIndex(where: { IndexLoop.isBounded($0, g, open: unplaced) }) else {
        throw FormulaRefusal("the sum over \(binders.joined(separator: ", ")) has a guard (\(g)) that bounds its indices only jointly")
      }
      placed.append(open.remove(at: next))
    }
    let position = Dictionary(uniqueKeysWithValues: placed.enumerated().map { ($1, $0) })
    var outer: [CompiledConstraint] = []
    var levels = [[Bound]](repeating: [], count: placed.count)
    for c in g.constraints {
      guard let last = c.expression.indices.compactMap({ position[$0] }).max() else {
        outer.append(try CompiledConstraint(c, dimensions: dimensions, slots: env))
        continue
      }
      let b = placed[last]
      let k = c.expression.coefficient(of: .index(b))
      let rest = try CompiledAffine(c.expression, dimensions: dimensions, slots: env, excluding: b)
      levels[last].append(Bound(isEquality: c.relation == .equal, coefficient: k, rest: rest))
    }
    self.outer = outer
    self.slots = placed.map { env[$0]! }
    self.bounds = levels
  }

  /// True when `b` has a lower and an upper bound among the constraints that mention, besides it,
  /// no index of `open`.
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

  /// Calls `visit` at every point, with the bound indices' slots set.
  @inline(__always) func forEach(_ visit: () -> Void) {
    let values = indices.values
    for c in outer where !c.holds(values) { return }
    run(level: 0, visit)
  }

  private func run(level: Int, _ visit: () -> Void) {
    if level == slots.count {
      visit()
      return
    }
    let values = indices.values
    var lower = Int.min, upper = Int.max
    for b in bounds[level] {
      let rest = b.rest.value(values)
      if b.isEquality {
        // k * v + rest == 0
        guard rest % b.coefficient == 0 else { return }
        let v = -rest / b.coefficient
        lower = max(lower, v)
        upper = min(upper, v)
      } else if b.coefficient > 0 {
        lower = max(lower, ceilingDivide(-rest, b.coefficient))  // v >= -rest / k
      } else {
        upper = min(upper, floorDivide(rest, -b.coefficient))  // v <= rest / |k|
      }
    }
    guard lower <= upper else { return }
    var v = lower
    while v <= upper {
      indices.set(slots[level], v)
      run(level: level + 1, visit)
      v += 1
    }
  }
}

/// `floor(a / b)` for `b > 0`.
@inline(__always) func floorDivide(_ a: Int, _ b: Int) -> Int {
  let q = a / b
  return (a % b != 0 && a < 0) ? q - 1 : q
}

/// `ceil(a / b)` for `b > 0`.
@inline(__always) func ceilingDivide(_ a: Int, _ b: Int) -> Int {
  let q = a / b
  return (a % b != 0 && a > 0) ? q + 1 : q
}
