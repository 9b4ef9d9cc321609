internal import ProofKernel

// Theorems and layers.

extension DocumentReader {
  // MARK: - Theorems

  /// `theorem name[i: n, ...]: lhs = rhs`, then indented `assume` lines.
  mutating func theorem() throws -> Statement {
    let keyword = parser.advance()
    let name = try statementName()
    var declared: [(Name, Expression)] = []
    if parser.peek.isSymbol("[") {
      parser.advance()
      repeat {
        let index = try parser.identifier("an index name")
        try parser.expect(":")
        declared.append((index, try parser.expression()))
      } while try comma()
      try parser.expect("]")
    }
    try parser.expect(":")
    let lhs = try parser.expression()
    try parser.expect("=")
    let rhs = try parser.expression()
    try parser.endLine()
    let assumptions = try assumeLines()

    var inner = scope
    inner.context = .theorem(name.text)
    var indices: [(name: String, size: Affine)] = []
    for (index, size) in declared {
      try elaborator.checkIndexName(index, scope, alreadyBound: indices.map(\.name))
      indices.append((index.text, try elaborator.dimensionAffine(size, scope, what: "the range of '\(index.text)'")))
    }
    indices += inferredIndices(lhs, declared: indices.map(\.name))
    inner.bind(indices.map(\.name), ranges: indices.map(\.size))
    let statement = Statement(
      name: name.text, location: source.location(keyword),
      lhs: try elaborator.term(lhs, inner), rhs: try elaborator.term(rhs, inner),
      assumptions: try assumptions.flatMap { try elaborator.formulas($0, inner) }, indices: indices)
    try register(statement.name, at: name.token)
    return statement
  }

  /// `name` or `name.part...`.
  mutating func statementName() throws -> Name {
    var name = try parser.identifier("a theorem name")
    while parser.peek.isSymbol("."), parser.next.kind == .identifier {
      parser.advance()
      name.text += "." + parser.advance().text
    }
    return name
  }

  /// The free indices of a `grad(..., W)[o, h]` or `vjp(..., x, dy)[i]` left-hand side written as
  /// plain names (not dimensions, not declared in the header), with the ranges of the tensor's axes.
  func inferredIndices(_ lhs: Expression, declared: [String]) -> [(name: String, size: Affine)] {
    let wrt: Name, at: [Expression]
    switch lhs.ungrouped.kind {
    case let .grad(_, w, a): (wrt, at) = (w, a)
    case let .vjp(_, _, w, _, a): (wrt, at) = (w, a)
    default: return []
    }
    guard case let .tensor(x) = scope.entity(wrt.text), x.shape.count == at.count else { return [] }
    var out: [(name: String, size: Affine)] = []
    for (e, size) in zip(at, x.shape) {
      guard case let .name(n) = e.kind, !declared.contains(n), !out.contains(where: { $0.name == n }) else { continue }
      if case .dimension = scope.entity(n) { continue }
      out.append((n, size))
    }
    return out
  }

  /// Indented `assume` lines after a theorem (or anywhere in a layer).
  mutating func assumeLines() throws -> [FormulaSyntax] {
    var out: [FormulaSyntax] = []
    while parser.peek.isWord("assume"), parser.peek.indented {
      parser.advance()
      out.append(try parser.formula())
      try parser.endLine()
    }
    return out
  }

  /// Records a statement name, refusing a second statement of the same name.
  mutating func register(_ name: String, at token: Token) throws {
    if let first = statementNames[name] {
      throw parser.error("duplicate theorem name '\(name)' (first used at \(first))", at: token)
    }
    statementNames[name] = source.location(token)
  }

  // MARK: - Layers

  /// `layer name(dims)` and its indented lines: `input`, `param`, `def`, `output`, `assume`, `vjp`.
  mutating func layer() throws -> LayerDeclaration {
    let keyword = parser.advance()
    let name = try parser.identifier("a layer name")
    if let first = layerNames[name.text] {
      throw parser.error("duplicate layer name '\(name.text)' (first used at \(first))", at: name.token)
    }
    layerNames[name.text] = source.location(name.token)
    let fileScope = scope
    defer { scope = fileScope }
    scope.level = 1
    scope.context = .layer(name.text)
    var dimensions: [String] = []
    if parser.peek.isSymbol("(") {
      parser.advance()
      if !parser.peek.isSymbol(")") {
        repeat {
          let d = try parser.identifier("a dimension name")
          try declare(d, .dimension)
          dimensions.append(d.text)
        } while try comma()
      }
      try parser.expect(")")
    }
    try parser.endLine()

    var inputs: [TensorSymbol] = [], parameters: [TensorSymbol] = []
    var output: Definition?, seed: TensorSymbol?
    var assumptions: [Proposition] = []
    var rules: [(Statement, Token)] = []
    var before: [Definition] = [], after: [Definition] = []
    while parser.peek.indented, parser.peek.kind == .identifier {
      let line = parser.peek
      switch line.text {
      case "input":
        parser.advance()
        inputs += try tensorDeclarations()
      case "param":
        parser.advance()
        parameters += try tensorDeclarations()
      case "output":
        parser.advance()
        guard output == nil else { throw parser.error("layer '\(name.text)' has a second output line", at: line) }
        let (y, d) = try definitionBody()
        try declare(y, .definition(d))
        output = d
        if !d.shape.isEmpty {
          let dy = try elaborator.kernel(at: y.token) { try TensorSymbol("dy", shape: d.shape) }
          if let first = scope.localDeclaration("dy") {
            throw parser.error("'dy' names the upstream gradient of layer '\(name.text)' (also declared at \(first.location!))", at: y.token)
          }
          scope.declare("dy", .tensor(dy), at: nil)
          seed = dy
        }
      case "def":
        // A local definition (a mean, a variance) written once and used by the output and rules.
        parser.advance()
        let d = try definition()
        if output == nil { before.append(d) } else { after.append(d) }
      case "assume":
        assumptions += try assumeLines().flatMap { try elaborator.formulas($0, scope) }
      case "vjp":
        guard let output else { throw parser.error("a vjp line must come after the output line", at: line) }
        rules.append((try rule(layer: name.text, output: output, seed: seed, inputs: inputs + parameters), line))
      default:
        throw parser.expected("a layer line (input, param, def, output, assume or vjp)")
      }
    }
    guard let output else { throw parser.error("layer '\(name.text)' has no output line", at: keyword) }
    if !before.isEmpty || !after.isEmpty { document.layerDefinitions[name.text] = LocalDefinitions(beforeOutput: before, afterOutput: after) }
    var statements: [Statement] = []
    for (var rule, token) in rules {
      rule.assumptions = assumptions
      try register(rule.name, at: token)
      statements.append(rule)
    }
    return LayerDeclaration(name: name.text, location: source.location(keyword), dimensions: dimensions, inputs: inputs,
                 parameters: parameters, output: output, seed: seed, assumptions: assumptions, rules: statements)
  }

  /// `vjp x[i] = expr`: the statement `vjp(o: O -> y[o], x, dy)[i] = expr` (or `grad(y, x)[i]`).
  mutating func rule(layer: String, output: Definition, seed: TensorSymbol?, inputs: [TensorSymbol]) throws -> Statement {
    let keyword = parser.advance()
    let name = try parser.identifier("an input or param name")
    guard let x = inputs.first(where: { $0.name == name.text }) else {
      throw parser.error("'\(name.text)' is not an input or param of layer '\(layer)'", at: name.token)
    }
    var indices: [Name] = []
    if parser.peek.isSymbol("[") {
      for e in try parser.indexList() {
        guard case let .name(n) = e.kind else { throw parser.error("expected an index name", at: e.token) }
        let index = Name(text: n, token: e.token)
        try elaborator.checkIndexName(index, scope, alreadyBound: indices.map(\.text))
        indices.append(index)
      }
    }
    guard indices.count == x.shape.count else {
      throw parser.error("vjp line for '\(x.name)' needs \(x.shape.count) ind\(x.shape.count == 1 ? "ex" : "ices") but is given \(indices.count)", at: name.token)
    }
    try parser.expect("=")
    let rhs = try parser.expression()
    try parser.endLine()
    var inner = scope
    inner.bind(indices.map(\.text), ranges: x.shape)
    let at = try indices.map { i in try elaborator.kernel(at: i.token) { try Affine.index(i.text) } }
    let lhs = try elaborator.kernel(at: keyword) {
      let binders = seed == nil ? [] : output.parameters
      let y = try Term.reference(output, try binders.map { try Affine.index($0) })
      return try Term.vjp(y, binders: binders, shape: seed == nil ? [] : output.shape, wrt: x, seed: seed, at: at)
    }
    return Statement(name: "\(layer).\(x.name)", location: source.location(keyword), lhs: lhs,
                     rhs: try elaborator.term(rhs, inner), assumptions: [], indices: zip(indices, x.shape).map { (name: $0.text, size: $1) })
  }
}
