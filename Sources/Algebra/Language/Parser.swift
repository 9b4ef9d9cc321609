internal import Exact
internal import ProofKernel

/// Recursive-descent parser from tokens to `Expression`, `ConstraintSyntax` and `FormulaSyntax`
/// (the grammar is in Docs/TheoremLanguage.md). It resolves no names: `Elaborator` does.
struct Parser {
  let source: Source
  let tokens: [Token]
  private(set) var position = 0
  private var depth = 0

  /// Deeper nesting is refused rather than risking the stack.
  static let maximumDepth = 200

  init(_ source: Source) throws {
    self.source = source
    self.tokens = try Lexer.tokens(source)
  }

  // MARK: - Tokens

  var peek: Token { tokens[position] }
  var next: Token { tokens[min(position + 1, tokens.count - 1)] }
  var previousEnd: Int { position > 0 ? tokens[position - 1].end : 0 }
  var atLineEnd: Bool { peek.kind == .newline || peek.kind == .end }

  @discardableResult
  mutating func advance() -> Token {
    let t = tokens[position]
    if position < tokens.count - 1 { position += 1 }
    return t
  }

  func error(_ message: String, at token: Token) -> ParseError { ParseError(message, at: source.location(token)) }

  /// "expected X but found Y", at the offending place. When the token found is on a later line
  /// than the last one read — a line break inside brackets continues the logical line, so the
  /// next token may be the next line's first — the error is at the end of that last token, where
  /// the missing text belongs, and names the line of what was found.
  func expected(_ what: String) -> ParseError {
    guard position > 0, case let previous = tokens[position - 1], previous.kind != .newline, peek.line > previous.line else {
      return error("expected \(what) but found \(peek.quoted)", at: peek)
    }
    let found = peek.kind == .newline || peek.kind == .end ? "end of line" : "\(peek.quoted) on line \(peek.line)"
    let place = SourceLocation(file: source.file, line: previous.line, column: previous.column + (previous.end - previous.start))
    return ParseError("expected \(what) but found \(found)", at: place)
  }

  @discardableResult
  mutating func expect(_ symbol: String) throws -> Token {
    guard peek.isSymbol(symbol) else { throw expected("'\(symbol)'") }
    return advance()
  }

  mutating func identifier(_ what: String = "a name") throws -> Name {
    guard peek.kind == .identifier else { throw expected(what) }
    let t = advance()
    return Name(text: t.text, token: t)
  }

  /// Consumes the end of a logical line.
  mutating func endLine() throws {
    guard atLineEnd else { throw expected("end of line") }
    if peek.kind == .newline { advance() }
  }

  private mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
    guard depth < Parser.maximumDepth else { throw error("expression nested too deeply", at: peek) }
    depth += 1
    defer { depth -= 1 }
    return try body(&self)
  }

  /// A node from `token` to the last token consumed (so build `kind`, consuming its parts, first).
  private func node(_ kind: Expression.Kind, from token: Token) -> Expression {
    Expression(kind: kind, token: token, end: previousEnd)
  }

  // MARK: - Expressions

  /// `product { (+|-) product }`.
  mutating func expression() throws -> Expression {
    let first = try product()
    var items = [(negated: false, first)]
    while peek.isSymbol("+") || peek.isSymbol("-") {
      let negated = advance().text == "-"
      items.append((negated, try product()))
    }
    return items.count == 1 ? first : node(.terms(items), from: first.token)
  }

  /// `unary { (*|/) unary }`.
  mutating func product() throws -> Expression {
    let first = try unary()
    var items = [(divided: false, first)]
    while peek.isSymbol("*") || peek.isSymbol("/") {
      let divided = advance().text == "/"
      let operand = try unary()
      // `a / sum(l) b * c` is `a / sum(l) (b * c)`, which reads easily as `(a / sum(l) b) * c`.
      if divided, case let .sum(_, body) = operand.kind, case .product = body.kind {
        throw error("a sum after '/' takes the whole product after it as its body: write 'a / (sum(...) b) * c' or 'a / sum(...) (b * c)'", at: operand.token)
      }
      items.append((divided, operand))
    }
    return items.count == 1 ? first : node(.product(items), from: first.token)
  }

  /// `- unary`, `sum(binders) product`, or a power.
  mutating func unary() throws -> Expression {
    try nested { p in
      let start = p.peek
      if start.isSymbol("-") {
        p.advance()
        let operand = try p.unary()
        return p.node(.negation(operand), from: start)
      }
      if start.isWord("sum"), p.next.isSymbol("(") {
        p.advance()
        p.advance()
        let binders = try p.binderList()
        try p.expect(")")
        let body = try p.product()
        return p.node(.sum(binders, body), from: start)
      }
      return try p.power()
    }
  }

  /// `primary [^ exponent]`; the exponent is `[-] (number | (expression))`.
  mutating func power() throws -> Expression {
    let base = try primary()
    guard peek.isSymbol("^") else { return base }
    advance()
    let start = peek
    let exponent: Expression
    if peek.isSymbol("-") {
      advance()
      let operand = try exponentAtom()
      exponent = node(.negation(operand), from: start)
    } else {
      exponent = try exponentAtom()
    }
    if peek.isSymbol("^") { throw error("'^' cannot be chained: use parentheses, (a ^ p) ^ q", at: peek) }
    return node(.power(base, exponent: exponent), from: base.token)
  }

  private mutating func exponentAtom() throws -> Expression {
    if peek.kind == .number || peek.isSymbol("(") { return try primary() }
    throw expected("an exponent (a number or a parenthesized rational)")
  }

  mutating func primary() throws -> Expression {
    try nested { p in
      let start = p.peek
      switch start.kind {
      case .number:
        p.advance()
        guard let q = try? Rational(parsing: start.text) else { throw p.error("malformed number '\(start.text)'", at: start) }
        return p.node(.number(q), from: start)
      case .symbol where start.text == "(":
        p.advance()
        let inner = try p.expression()
        try p.expect(")")
        return p.node(.group(inner), from: start)
      case .symbol where start.text == "[":
        p.advance()
        let constraints = try p.constraints(allowingComma: true)
        try p.expect("]")
        return p.node(.bracket(constraints), from: start)
      case .identifier:
        if p.next.isSymbol("(") { return try p.call() }
        let name = try p.identifier()
        guard p.peek.isSymbol("[") else { return p.node(.name(name.text), from: start) }
        let indices = try p.indexList()
        return p.node(.subscripted(name, indices), from: start)
      default:
        throw p.expected("an expression")
      }
    }
  }

  /// `[e, ...]`, possibly empty.
  mutating func indexList() throws -> [Expression] {
    try expect("[")
    var items: [Expression] = []
    if peek.isSymbol("]") { advance(); return items }
    while true {
      items.append(try expression())
      if peek.isSymbol(",") { advance(); continue }
      try expect("]")
      return items
    }
  }

  /// `delta(a, b)`, `f(e)`, `sqrt(e)`, `abs(e)`, `max(a, b)`, `min(a, b)`, `grad(e, W)[...]`, `vjp(o: O -> e, x, dy)[...]`, `D(e)[x := dx]`.
  private mutating func call() throws -> Expression {
    let name = try identifier()
    let start = name.token
    try expect("(")
    switch name.text {
    case "delta":
      let a = try expression()
      try expect(",")
      let b = try expression()
      try expect(")")
      return node(.delta(a, b), from: start)
    case _ where Elaborator.sugarArity[name.text] == 1 || ScalarFunction(rawValue: name.text) != nil:
      let argument = try expression()
      try expect(")")
      return node(.call(name, [argument]), from: start)
    case _ where Elaborator.sugarArity[name.text] == 2:
      let a = try expression()
      try expect(",")
      let b = try expression()
      try expect(")")
      return node(.call(name, [a, b]), from: start)
    case "grad":
      let output = try expression()
      try expect(",")
      let wrt = try identifier("a tensor name")
      try expect(")")
      let at = try indexList()
      return node(.grad(output, wrt: wrt, at: at), from: start)
    case "vjp":
      let binders = try vjpBinders()
      let output = try expression()
      try expect(",")
      let wrt = try identifier("a tensor name")
      try expect(",")
      let seed = try identifier("a tensor name")
      try expect(")")
      let at = try indexList()
      return node(.vjp(binders: binders, output, wrt: wrt, seed: seed, at: at), from: start)
    case "D":
      let body = try expression()
      try expect(")")
      try expect("[")
      let wrt = try identifier("a tensor name")
      try expect(":=")
      let direction = try identifier("a tensor name")
      try expect("]")
      return node(.derivative(body, wrt: wrt, direction: direction), from: start)
    case "sum":
      throw error("put this sum in parentheses", at: start)
    default:
      throw error("unknown function '\(name.text)'", at: start)
    }
  }

  /// The binders of a `vjp`, up to and including `->`: `o: O, p: P`, the kernel's `o, p: O, P`, or
  /// none (`->` or `: ->`).
  private mutating func vjpBinders() throws -> [(Name, Expression)] {
    if peek.isSymbol(":") { advance() }
    if peek.isSymbol("->") { advance(); return [] }
    var items: [(Expression, Expression?)] = []
    while true {
      let first = try expression()
      var size: Expression?
      if peek.isSymbol(":") {
        advance()
        size = try expression()
      }
      items.append((first, size))
      if peek.isSymbol(",") { advance(); continue }
      try expect("->")
      break
    }
    func plainName(_ e: Expression) throws -> Name {
      guard case let .name(n) = e.kind else { throw error("expected a binder name", at: e.token) }
      return Name(text: n, token: e.token)
    }
    let colons = items.indices.filter { items[$0].1 != nil }
    if colons.count == items.count { return try items.map { (try plainName($0.0), $0.1!) } }
    // The kernel's form: names, then `:`, then as many sizes.
    guard colons.count == 1, let k = colons.first, 2 * k + 1 == items.count else {
      throw error("expected binders 'o: O, p: P' before '->'", at: items[0].0.token)
    }
    let names = try items[0...k].map { try plainName($0.0) }
    let sizes = [items[k].1!] + items[(k + 1)...].map(\.0)
    return Array(zip(names, sizes))
  }

  // MARK: - Binders, constraints, formulas

  /// `i: n, j, k: m | constraints` (each range optional; constraints after `|`).
  mutating func binderList() throws -> BinderList {
    var binders: [(Name, Expression?)] = []
    while true {
      let name = try identifier("an index name")
      var size: Expression?
      if peek.isSymbol(":") {
        advance()
        size = try expression()
      }
      binders.append((name, size))
      if peek.isSymbol(",") { advance(); continue }
      break
    }
    var constraints: [ConstraintSyntax] = []
    if peek.isSymbol("|") {
      advance()
      constraints = try self.constraints(allowingComma: true)
    }
    return BinderList(binders: binders, constraints: constraints)
  }

  /// Constraints separated by `and` (and `,` where allowed).
  mutating func constraints(allowingComma: Bool) throws -> [ConstraintSyntax] {
    var out = [try constraint()]
    while peek.isWord("and") || (allowingComma && peek.isSymbol(",")) {
      advance()
      out.append(try constraint())
    }
    return out
  }

  /// `true`, `false`, or `e1 rel e2 { rel e3 }`.
  mutating func constraint() throws -> ConstraintSyntax {
    let start = peek
    if start.isWord("true") || start.isWord("false") {
      advance()
      return ConstraintSyntax(kind: .literal(start.text == "true"), token: start)
    }
    var operands = [try expression()]
    var relations: [ConstraintSyntax.Relation] = []
    while peek.kind == .symbol, let r = ConstraintSyntax.Relation(rawValue: peek.text) {
      advance()
      relations.append(r)
      operands.append(try expression())
    }
    if relations.isEmpty { throw expected("a comparison ('=', '!=', '<', '<=', '>', '>=', '==')") }
    return ConstraintSyntax(kind: .chain(operands, relations), token: start)
  }

  /// `forall binders. formula`, or clauses joined by `and`.
  mutating func formula() throws -> FormulaSyntax {
    try nested { p in
      if p.peek.isWord("forall") {
        let start = p.advance()
        let binders = try p.binderList()
        try p.expect(".")
        return .forAll(binders, try p.formula(), start)
      }
      return .clauses(try p.constraints(allowingComma: false))
    }
  }
}
