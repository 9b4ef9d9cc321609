/// Why `Lowering` cannot resolve a term at the given sizes; each case names what failed.
public enum LoweringError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A dimension with no size among the lowering's `dimensions`.
  case unknownDimension(String)
  /// An index that is neither free with a slot nor bound by an enclosing `sum`.
  case unboundIndex(String)
  /// An index coefficient or constant beyond `LoweredAffine.limit`.
  case tooLarge(String)
  /// A guard whose bound indices are bounded only jointly (no nesting order gives each loop finite
  /// bounds from outer indices: `0 <= i <= j < n` without `j >= 0`).
  case jointlyBounded(binders: [String], guard: String)
  /// A reference to a definition where the caller asked for none (`Lowering.unfoldsReferences`).
  case reference(String)
  /// A reference whose body cannot take its arguments (index arithmetic overflows).
  case unfolding(String, reason: String)
  /// `D(...)`, `vjp(...)` or `grad(...)`: the lowered form has no derivatives.
  case derivative(String)

  public var description: String {
    switch self {
    case let .unknownDimension(name): return "the dimension '\(name)' has no size here"
    case let .unboundIndex(name): return "the index '\(name)' is not bound"
    case let .tooLarge(what): return "the index expression \(what) is too large"
    case let .jointlyBounded(binders, g):
      return "the sum over \(binders.joined(separator: ", ")) has a guard (\(g)) that bounds its indices only jointly"
    case let .reference(name): return "the definition \(name) is referenced inside the formula"
    case let .unfolding(name, reason): return "the definition \(name) cannot be unfolded here: \(reason)"
    case let .derivative(what): return "a derivative inside the formula (\(what)): write it out"
    }
  }
}
