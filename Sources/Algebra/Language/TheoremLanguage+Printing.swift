public import ProofKernel

// Printing terms, formulas, statements and documents as theorem-language text.

extension TheoremLanguage {
  /// The text of a term; `parseTerm` reads it back to the same term in a document that declares
  /// its names.
  ///
  /// ```swift
  /// TheoremLanguage.print(.add([a, .mul([.integer(-1), b])]))   // "a - b"
  /// ```
  public static func print(_ term: Term) -> String { TermPrinter.text(term) }

  /// The text of a formula, as on an `assume` line.
  public static func print(_ formula: Proposition) -> String { TermPrinter.text(formula) }

  /// `theorem name[i: n, ...]: lhs = rhs`, then one indented `assume` line per assumption. The free
  /// indices are always written in the header, inferred or not.
  public static func print(_ statement: Statement) -> String {
    var s = "theorem \(statement.name)"
    if !statement.indices.isEmpty {
      s += "[" + statement.indices.map { "\($0.name): \($0.size)" }.joined(separator: ", ") + "]"
    }
    s += ": \(print(statement.lhs)) = \(print(statement.rhs))\n"
    for a in statement.assumptions { s += "  assume \(print(a))\n" }
    return s
  }

  /// The whole document: declarations (dimensions, constants, tensors, definitions), then
  /// theorems, then layers. Parsing the text gives back an equal document.
  public static func print(_ document: Document) -> String {
    var lines: [String] = []
    if !document.dimensions.isEmpty { lines.append("dim " + document.dimensions.joined(separator: ", ")) }
    if !document.constants.isEmpty { lines.append("const " + document.constants.joined(separator: ", ")) }
    if !document.tensors.isEmpty { lines.append("tensor " + document.tensors.map(declaration).joined(separator: ", ")) }
    for d in document.definitions { lines.append("def " + definition(d)) }
    var s = lines.map { $0 + "\n" }.joined()
    for t in document.theorems { s += "\n" + print(t) }
    for layer in document.layers { s += "\n" + print(layer, document.layerDefinitions[layer.name] ?? LocalDefinitions()) }
    return s
  }

  /// `layer name(dims)` and its indented lines.
  static func print(_ layer: LayerDeclaration, _ local: LocalDefinitions = LocalDefinitions()) -> String {
    var s = "layer \(layer.name)(\(layer.dimensions.joined(separator: ", ")))\n"
    if !layer.inputs.isEmpty { s += "  input " + layer.inputs.map(declaration).joined(separator: ", ") + "\n" }
    if !layer.parameters.isEmpty { s += "  param " + layer.parameters.map(declaration).joined(separator: ", ") + "\n" }
    for d in local.beforeOutput { s += "  def " + definition(d) + "\n" }
    s += "  output " + definition(layer.output) + "\n"
    for d in local.afterOutput { s += "  def " + definition(d) + "\n" }
    for a in layer.assumptions { s += "  assume \(print(a))\n" }
    for rule in layer.rules {
      guard case let .vjp(v) = rule.lhs.node else { continue }
      s += "  vjp " + TermPrinter.subscripted(v.wrt.name, v.at) + " = " + print(rule.rhs) + "\n"
    }
    return s
  }

  /// `W[O, I]`, or `s` for a scalar.
  static func declaration(_ t: TensorSymbol) -> String { TermPrinter.subscripted(t.name, t.shape) }

  /// `name[p: n, ...] = body`.
  static func definition(_ d: Definition) -> String {
    let parameters = zip(d.parameters, d.shape).map { "\($0): \($1)" }.joined(separator: ", ")
    return d.name + (parameters.isEmpty ? "" : "[\(parameters)]") + " = " + print(d.body)
  }
}
