/// A certified block's theorem-language text, in the parts a model statement instantiates for each
/// layer: its dimensions, inputs, parameters, output formula, assumptions and rules. Read from the
/// very texts the trainer's layers are bound to (`CompiledRules`, a formula layer's block), so the
/// model statement says what the certified rules say.
struct BlockText: Equatable {
  struct Tensor: Equatable {
    var name: String
    var shape: [String]
  }
  struct Output: Equatable {
    var name: String
    /// `o: O` pairs; empty for a scalar output (a loss).
    var binders: [(index: String, dimension: String)]
    var formula: String
    static func == (a: Output, b: Output) -> Bool {
      a.name == b.name && a.formula == b.formula && a.binders.map(\.index) == b.binders.map(\.index)
        && a.binders.map(\.dimension) == b.binders.map(\.dimension)
    }
  }
  struct Rule: Equatable {
    var tensor: String
    var indices: [String]
    var formula: String
  }

  var dimensions: [String] = []
  /// The data input first, then the others (a mask, a target).
  var inputs: [Tensor] = []
  var parameters: [Tensor] = []
  var output = Output(name: "", binders: [], formula: "")
  var assumptions: [String] = []
  var rules: [Rule] = []
  /// `def` lines of a formula layer (without `def `), and whether they follow the output line.
  var definitions: [(text: String, afterOutput: Bool)] = []

  static func == (a: BlockText, b: BlockText) -> Bool {
    a.dimensions == b.dimensions && a.inputs == b.inputs && a.parameters == b.parameters && a.output == b.output
      && a.assumptions == b.assumptions && a.rules == b.rules && a.definitions.map(\.text) == b.definitions.map(\.text)
  }

  /// The rule for `tensor` (`x`, `W`).
  func rule(_ tensor: String) -> Rule? { rules.first { $0.tensor == tensor } }

  /// Reads a `layer NAME(DIMS)` block, or a theorem file of one output `def` and one `vjp`
  /// theorem (the form of `Theorems/maxpool.thm`).
  /// - Throws: `ModelCertificateError.unreadableBlock` naming the line it cannot read.
  init(_ text: String, block: String) throws {
    func fail(_ line: String) -> ModelCertificateError { .unreadableBlock(block: block, line: line) }
    var seenOutput = false
    let theoremForm = text.split(separator: "\n").contains { $0.hasPrefix("theorem ") }
    for raw in text.split(separator: "\n") {
      let line = raw.trimmingCharacters(in: .whitespaces)
      guard !line.isEmpty, !line.hasPrefix("#") else { continue }
      let (keyword, rest) = Self.splitKeyword(line)
      switch keyword {
      case "layer":
        guard let open = rest.firstIndex(of: "("), rest.hasSuffix(")") else { throw fail(line) }
        dimensions = Self.splitTopLevel(String(rest[rest.index(after: open)..<rest.index(before: rest.endIndex)]))
      case "dim": dimensions = Self.splitTopLevel(rest)
      case "input", "tensor":
        // The theorem form declares the seed `dy` beside the input: it is not an input.
        inputs += try Self.tensors(rest, fail: fail(line)).filter { $0.name != "dy" }
      case "param": parameters += try Self.tensors(rest, fail: fail(line))
      case "assume": assumptions.append(rest)
      case "output":
        output = try Self.output(rest, fail: fail(line))
        seenOutput = true
      case "def" where theoremForm && !seenOutput:
        // In the theorem form, the one `def` is the output.
        output = try Self.output(rest, fail: fail(line))
        seenOutput = true
      case "def": definitions.append((rest, seenOutput))
      case "vjp":
        guard let eq = rest.range(of: " = "), let open = rest.firstIndex(of: "[") else { throw fail(line) }
        let head = rest[..<eq.lowerBound]
        rules.append(Rule(tensor: String(head[..<open]), indices: Self.splitTopLevel(String(head[head.index(after: open)...].dropLast())),
                          formula: String(rest[eq.upperBound...])))
      case "theorem":
        // `theorem NAME.x: vjp(... -> y[...], x, dy)[i, j] = RHS`
        guard let colon = rest.firstIndex(of: ":"), let eq = rest.range(of: " = "),
          let close = rest[..<eq.lowerBound].lastIndex(of: "]"), let open = rest[..<close].lastIndex(of: "[")
        else { throw fail(line) }
        let name = rest[..<colon]
        rules.append(Rule(tensor: String(name.split(separator: ".").last ?? ""),
                          indices: Self.splitTopLevel(String(rest[rest.index(after: open)..<close])),
                          formula: String(rest[eq.upperBound...])))
      case "const": break
      default: throw fail(line)
      }
    }
    guard !output.name.isEmpty, !inputs.isEmpty else { throw fail("(no output or no input)") }
  }

  private static func splitKeyword(_ line: String) -> (String, String) {
    guard let space = line.firstIndex(of: " ") else { return (line, "") }
    return (String(line[..<space]), String(line[line.index(after: space)...]).trimmingCharacters(in: .whitespaces))
  }

  /// `x[C, H, W], m[n]` as tensors.
  private static func tensors(_ text: String, fail: @autoclosure () -> ModelCertificateError) throws -> [Tensor] {
    try splitTopLevel(text).map { item in
      guard let open = item.firstIndex(of: "["), item.hasSuffix("]") else {
        if item.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { return Tensor(name: item, shape: []) }
        throw fail()
      }
      return Tensor(name: String(item[..<open]), shape: splitTopLevel(String(item[item.index(after: open)...].dropLast())))
    }
  }

  /// `y[o: O, p: OH] = F` or `L = F`.
  private static func output(_ text: String, fail: @autoclosure () -> ModelCertificateError) throws -> Output {
    guard let eq = text.range(of: " = ") else { throw fail() }
    let head = String(text[..<eq.lowerBound]), formula = String(text[eq.upperBound...])
    guard let open = head.firstIndex(of: "[") else { return Output(name: head, binders: [], formula: formula) }
    let binders = try splitTopLevel(String(head[head.index(after: open)...].dropLast())).map { b -> (String, String) in
      let parts = b.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2 else { throw fail() }
      return (parts[0], parts[1])
    }
    return Output(name: String(head[..<open]), binders: binders, formula: formula)
  }

  /// Splits at the commas (or `separator`s) outside brackets and parentheses, trimmed.
  static func splitTopLevel(_ text: String, at separator: Character = ",") -> [String] {
    var parts: [String] = [], current = "", depth = 0
    for c in text {
      if c == "[" || c == "(" { depth += 1 } else if c == "]" || c == ")" { depth -= 1 }
      if c == separator, depth == 0 { parts.append(current); current = "" } else { current.append(c) }
    }
    parts.append(current)
    return parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  /// `text` with every identifier that is a key of `names` replaced by its value (whole
  /// identifiers only: `x` in `x[i]`, not in `exp` or `x1`).
  static func renaming(_ text: String, _ names: [String: String]) -> String {
    var out = "", token = ""
    func flush() {
      out += (token.first.map { $0.isLetter || $0 == "_" } ?? false) ? (names[token] ?? token) : token
      token = ""
    }
    for c in text {
      if c.isLetter || c.isNumber || c == "_" { token.append(c) } else { flush(); out.append(c) }
    }
    flush()
    return out
  }
}
