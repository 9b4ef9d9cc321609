internal import ProofKernel

/// What a declared name stands for.
enum Entity {
  case dimension
  case constant
  case tensor(TensorSymbol)
  case definition(Definition)

  /// "a dimension", "a tensor", ... for messages.
  var article: String {
    switch self {
    case .dimension: return "a dimension"
    case .constant: return "a constant"
    case .tensor: return "a tensor"
    case .definition: return "a definition"
    }
  }
}

/// The names visible at a point of a file: declarations (file-level, then a layer's own, which
/// shadow them) and the indices bound there (free indices of the statement, sum and `forall`
/// binders, definition parameters).
///
/// Resolution order: an index in scope, then the declarations (dimension, constant, tensor,
/// definition; a name is declared once per level, so the order among them is moot).
struct Scope {
  /// How to explain an unknown name met where an index is expected.
  enum Context {
    /// In a theorem: a free index needs a range in the header.
    case theorem(String)
    /// In a layer: indices come from the `vjp` line or a binder.
    case layer(String)
    case general
  }

  private(set) var declarations: [String: (entity: Entity, location: SourceLocation?, level: Int)]
  private(set) var indices: [String] = []
  var context: Context = .general
  /// 0 at file level, 1 inside a layer: a layer's declarations shadow the file's.
  var level = 0

  /// Names the grammar uses (functions, `sum`, `forall`, ...): not allowed as declared names or
  /// index names. `pi` is declared as a constant from the start.
  static let reserved: Set<String> = Set(["sum", "grad", "vjp", "delta", "sqrt", "forall", "and", "true", "false"])
    .union(Elaborator.sugarArity.keys)
    .union(ScalarFunction.allCases.map(\.rawValue))

  /// The scope at the top of a file: only `pi`.
  init() { declarations = ["pi": (.constant, nil, 0)] }

  func entity(_ name: String) -> Entity? { declarations[name]?.entity }
  /// The declaration of `name` made at the current level, if any.
  func localDeclaration(_ name: String) -> (entity: Entity, location: SourceLocation?)? {
    guard let d = declarations[name], d.level == level else { return nil }
    return (d.entity, d.location)
  }
  func isIndex(_ name: String) -> Bool { indices.contains(name) }

  mutating func declare(_ name: String, _ entity: Entity, at location: SourceLocation?) {
    declarations[name] = (entity, location, level)
  }

  /// The range of each bound index that has one (`sum(i: n)`, `theorem t[i: n]`, a definition's
  /// parameters, a `vjp` line's indices), for the shape check.
  private(set) var ranges: [String: Affine] = [:]

  /// Binds `names`, with their ranges where known (a name bound again forgets its old range).
  mutating func bind(_ names: [String], ranges sizes: [Affine?] = []) {
    indices.append(contentsOf: names)
    for (k, name) in names.enumerated() { ranges[name] = k < sizes.count ? sizes[k] : nil }
  }

  /// The message for an unknown name `name` written where an index is expected.
  func unboundIndexMessage(_ name: String) -> String {
    switch context {
    case let .theorem(theorem):
      return "free index '\(name)' needs a range: declare it as theorem \(theorem)[\(name): SIZE]"
    case let .layer(layer):
      return "unknown index '\(name)' in layer \(layer): bind it with sum or forall, or name it on the vjp line"
    case .general:
      return "unknown name '\(name)'"
    }
  }
}
