/// The loops of a `sum` (or a `forall`) at concrete sizes: its bound indices' slots in an order in
/// which each is bounded by outer indices and earlier ones, and each constraint of the guard
/// attached to the index that completes it (`GuardEnumeration`, the one place that decides this).
///
/// A back end visits the guard's integer points with nested loops:
///
/// ```swift
/// guard loop.outer.allSatisfy({ $0.holds(values) }) else { return }   // constraints on outer indices
/// // at level k, with the earlier levels' slots set:
/// let (lower, upper) = loop.range(level: k, values)                    // empty when lower > upper
/// for v in lower...upper { values[loop.slots[k]] = v; /* level k + 1, or the body */ }
/// ```
///
/// Every point of the guard is visited once, and nothing else: the constraints attached to a level
/// are exactly those whose last bound index is that level's, and `range` intersects them.
public struct LoweredLoop: Hashable, Sendable {
  /// One constraint `coefficient * v + rest (== | >=) 0` on the index `v` of a level.
  public struct Bound: Hashable, Sendable {
    public let isEquality: Bool
    public let coefficient: Int
    public let rest: LoweredAffine
  }

  /// The bound indices' slots, outermost first.
  public let slots: [Int]
  /// The bound indices' names, in the order of `slots` (for messages).
  public let binders: [String]
  /// Constraints that mention no bound index: checked once, before the loops.
  public let outer: [LoweredConstraint]
  /// `levels[k]`: the constraints that bound `slots[k]` given the earlier levels.
  public let levels: [[Bound]]
  /// For a guard that bounds its indices only jointly (which only the exact back ends accept,
  /// `Lowering.boundsJointly`): the constraints from which a box around the points is computed
  /// before the loops (`box`), which then also clamps each level. Nil otherwise.
  let joint: [JointRow]?

  init(slots: [Int], binders: [String], outer: [LoweredConstraint], levels: [[Bound]], joint: [JointRow]? = nil) {
    self.slots = slots
    self.binders = binders
    self.outer = outer
    self.levels = levels
    self.joint = joint
  }

  /// The integer interval of level `level`'s index at the slot values `values` (the outer indices
  /// and the earlier levels set); empty when `lower > upper`.
  @inlinable @inline(__always)
  public func range(level: Int, _ values: UnsafePointer<Int>) -> (lower: Int, upper: Int) {
    var lower = Int.min, upper = Int.max
    for b in levels[level] {
      if !LoweredLoop.narrow(&lower, &upper, isEquality: b.isEquality, coefficient: b.coefficient, rest: b.rest.value(values)) {
        return (1, 0)
      }
    }
    return (lower, upper)
  }

  /// Narrows `lower...upper` to the integers `v` with `coefficient * v + rest (== | >=) 0`; false
  /// when that leaves nothing (an equality with no integer solution). The one implementation of a
  /// guard's bounds: the exact evaluator and every back end of the lowered form call it.
  /// - Precondition: `coefficient != 0`, and `-rest` and `-coefficient` do not overflow.
  @inlinable @inline(__always)
  public static func narrow(_ lower: inout Int, _ upper: inout Int, isEquality: Bool, coefficient k: Int, rest: Int) -> Bool {
    if isEquality {
      guard rest % k == 0 else { return false }  // k * v == -rest
      let v = -rest / k
      lower = max(lower, v)
      upper = min(upper, v)
    } else if k > 0 {
      lower = max(lower, ceilingDivide(-rest, k))  // v >= -rest / k
    } else {
      upper = min(upper, floorDivide(rest, -k))  // v <= rest / |k|
    }
    return true
  }

  // MARK: - Integer division rounding down and up

  /// `floor(a / b)` for `b > 0`.
  @inlinable @inline(__always)
  public static func floorDivide(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && a < 0) ? q - 1 : q
  }

  /// `ceil(a / b)` for `b > 0`.
  @inlinable @inline(__always)
  public static func ceilingDivide(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && a > 0) ? q + 1 : q
  }
}
