internal import ProofKernel

/// Reads a whole `.thm` file, line by line, into a `Document`: declarations extend the file's
/// scope as they come, so a name is usable after the line that declares it.
struct DocumentReader {
  var parser: Parser
  let elaborator: Elaborator
  var scope = Scope()
  var document: Document
  /// Theorem and rule names already used, with where.
  var statementNames: [String: SourceLocation] = [:]
  var layerNames: [String: SourceLocation] = [:]

  init(_ text: String, file: String, checkingShapes: Bool = true) throws {
    let source = Source(text, file: file)
    parser = try Parser(source)
    elaborator = Elaborator(source: source, checksShapes: checkingShapes)
    document = Document(file: file)
  }

  var source: Source { parser.source }

  mutating func read() throws -> Document {
    while parser.peek.kind != .end {
      if parser.peek.kind == .newline { parser.advance(); continue }
      let start = parser.peek
      if start.indented, start.kind == .identifier, Lexer.blockLineKeywords.contains(start.text) {
        throw parser.error("'\(start.text)' must follow a \(start.text == "assume" ? "theorem or " : "")layer header", at: start)
      }
      if start.indented { throw parser.error("unexpected indentation: declarations, theorems and layers start at column 1", at: start) }
      guard start.kind == .identifier else { throw parser.expected("a declaration (dim, const, tensor, def, theorem or layer)") }
      switch start.text {
      case "dim", "const":
        parser.advance()
        repeat {
          let name = try parser.identifier()
          try declare(name, start.text == "dim" ? .dimension : .constant)
          if start.text == "dim" { document.dimensions.append(name.text) } else { document.constants.append(name.text) }
        } while try comma()
        try parser.endLine()
      case "tensor":
        parser.advance()
        document.tensors += try tensorDeclarations()
      case "def":
        parser.advance()
        let d = try definition()
        document.definitions.append(d)
      case "theorem":
        document.theorems.append(try theorem())
      case "layer":
        document.layers.append(try layer())
      default:
        throw parser.expected("a declaration (dim, const, tensor, def, theorem or layer)")
      }
    }
    return document
  }

  /// Consumes a `,` if there is one.
  mutating func comma() throws -> Bool {
    guard parser.peek.isSymbol(",") else { return false }
    parser.advance()
    return true
  }

  // MARK: - Declarations

  /// Declares `name`, refusing reserved names and a second declaration at the same level (a
  /// layer's names may shadow the file's).
  mutating func declare(_ name: Name, _ entity: Entity) throws {
    if Scope.reserved.contains(name.text) { throw parser.error("'\(name.text)' is reserved and cannot be declared", at: name.token) }
    if let first = scope.localDeclaration(name.text) {
      let previous = first.location.map { "first declared at \($0)" } ?? "a predefined constant"
      throw parser.error("duplicate declaration of '\(name.text)' (\(previous))", at: name.token)
    }
    scope.declare(name.text, entity, at: source.location(name.token))
  }

  /// `x[I], W[O, I], s` to the end of the line, declared.
  mutating func tensorDeclarations() throws -> [TensorSymbol] {
    var out: [TensorSymbol] = []
    repeat {
      let name = try parser.identifier("a tensor name")
      var shape: [Affine] = []
      if parser.peek.isSymbol("[") {
        for e in try parser.indexList() {
          shape.append(try elaborator.dimensionAffine(e, scope, what: "the shape of '\(name.text)'"))
        }
      }
      let t = try elaborator.kernel(at: name.token) { try TensorSymbol(name.text, shape: shape) }
      try declare(name, .tensor(t))
      out.append(t)
    } while try comma()
    try parser.endLine()
    return out
  }

  /// `[h: H, w: W]` after a definition or output name: parameter names and sizes.
  mutating func parameters() throws -> (names: [String], shape: [Affine]) {
    var names: [String] = []
    var shape: [Affine] = []
    guard parser.peek.isSymbol("[") else { return (names, shape) }
    parser.advance()
    if parser.peek.isSymbol("]") { parser.advance(); return (names, shape) }
    repeat {
      let name = try parser.identifier("a parameter name")
      try elaborator.checkIndexName(name, scope, alreadyBound: names)
      try parser.expect(":")
      let size = try parser.expression()
      names.append(name.text)
      shape.append(try elaborator.dimensionAffine(size, scope, what: "the range of '\(name.text)'"))
    } while try comma()
    try parser.expect("]")
    return (names, shape)
  }

  /// `name[p: n, ...] = body` (after `def` or `output`), not yet declared.
  mutating func definitionBody() throws -> (Name, Definition) {
    let name = try parser.identifier("a definition name")
    let (names, shape) = try parameters()
    let equals = try parser.expect("=")
    let body = try parser.expression()
    try parser.endLine()
    var inner = scope
    inner.bind(names, ranges: shape)
    let b = try elaborator.term(body, inner)
    let d = try elaborator.kernel(at: equals) { try Definition(name.text, parameters: names, shape: shape, body: b) }
    return (name, d)
  }

  mutating func definition() throws -> Definition {
    let (name, d) = try definitionBody()
    try declare(name, .definition(d))
    return d
  }
}
