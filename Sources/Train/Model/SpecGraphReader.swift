import Exact

/// The graph part of the spec grammar (`ValueGraph`): value names, `from NAME`, and the operand of
/// `add`/`mul`, read while `SpecParser` reads the layers. Every reference is checked where it is
/// written: an undefined name, one defined only further down (reading it would make the graph
/// cyclic), and operands of different shapes are errors at the name's line and column.
struct SpecGraphReader {
  let file: String
  /// The shape of each value: 0 the input, `k + 1` layer `k`'s output.
  private(set) var shapes: [[Int]]
  private var inputs: [[Int]] = []
  private var names: [Int: String] = [:]
  private var defined: [String: (value: Int, line: Int)] = ["input": (0, 0)]
  /// Where each layer's statement starts (for "never used" errors).
  private var places: [(line: Int, column: Int)] = []
  /// Whether anything but a plain sequence was written.
  private var isGraph = false
  /// The text of the whole spec, to say where a name used too early is defined.
  private let rawLines: [Substring]

  /// The keywords of the graph syntax, which a value may not be named.
  static let keywords: Set<String> = ["from", "add", "mul", "input"]

  init(file: String, inputShape: [Int], rawLines: [Substring]) {
    self.file = file
    shapes = [inputShape]
    self.rawLines = rawLines
  }

  /// The value the next layer reads unless told otherwise: the last one written.
  var current: Int { shapes.count - 1 }

  /// The prefix of a statement, `NAME = ` and `from NAME`, read from `line` up to the keyword.
  struct Prefix {
    var name: (text: String, column: Int)?
    var source: Int
    var keyword: Substring
    var keywordColumn: Int
  }

  /// Reads `NAME =` and `from NAME` before a statement's keyword, if present.
  mutating func prefix(_ line: inout SpecLine, first: (text: Substring, column: Int), reserved: Set<String>) throws -> Prefix {
    var result = Prefix(name: nil, source: current, keyword: first.text, keywordColumn: first.column)
    if line.accept("=") {
      let name = String(first.text)
      guard name.first.map({ $0.isLetter || $0 == "_" }) == true, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
        throw line.error("'\(MessageText.cut(name))' is not a value name (letters, digits and '_', not starting with a digit)", column: first.column)
      }
      guard !reserved.contains(name), !Self.keywords.contains(name) else {
        throw line.error("'\(name)' is a statement keyword or a block name; choose another name for the value", column: first.column)
      }
      if let earlier = defined[name] {
        throw line.error("value '\(name)' is already defined at line \(earlier.line)", column: first.column)
      }
      result.name = (name, first.column)
      let keyword = try line.word(what: "a layer statement after '\(name) ='")
      (result.keyword, result.keywordColumn) = keyword
      isGraph = true
    }
    if result.keyword == "from" {
      result.source = try reference(&line)
      let keyword = try line.word(what: "a layer statement after 'from NAME'")
      (result.keyword, result.keywordColumn) = keyword
      isGraph = true
    }
    return result
  }

  /// A value name at the next token, resolved to its number.
  mutating func reference(_ line: inout SpecLine) throws -> Int {
    let token = try line.word(what: "a value name")
    let name = String(token.text)
    if let known = defined[name] { return known.value }
    if let later = definitionLine(of: name, after: line.number) {
      throw line.error("value '\(name)' is defined at line \(later), below this line: a layer reads only values defined above it, so that the graph has no cycle", column: token.column)
    }
    let known = defined.keys.filter { $0 != "input" }.sorted()
    throw line.error("undefined value '\(MessageText.cut(name))'" + (known.isEmpty ? "; name a value with 'NAME = <statement>'" : "; defined: input, " + known.joined(separator: ", ")), column: token.column)
  }

  /// The operand of `add NAME`/`mul NAME`, which must have the shape of the value it combines with.
  mutating func operand(_ line: inout SpecLine, keyword: Substring, source: Int) throws -> Int {
    let column = line.column
    let other = try reference(&line)
    guard shapes[other] == shapes[source] else {
      let (shapes, names) = (self.shapes, self.names)
      let shape = { (v: Int) in shapes[v].map(String.init).joined(separator: "x") }
      let name = { (v: Int) in v == 0 ? "the input" : names[v].map { "'\($0)'" } ?? "the value it reads" }
      throw line.error("shape mismatch: '\(keyword)' combines values of one shape, but \(name(source)) is \(shape(source)) and \(name(other)) is \(shape(other))", column: column)
    }
    isGraph = true
    return other
  }

  /// Records layer `layer` reading `reads`, its output named `name`.
  mutating func append(_ layer: LayerSpec, reads: [Int], name: String?, line: Int, column: Int) {
    inputs.append(reads)
    shapes.append((try? layer.outputShape(input: shapes[reads[0]]).get()) ?? [0])
    places.append((line, column))
    if let name {
      names[current] = name
      defined[name] = (current, line)
    }
  }

  /// The graph, or nil for a plain sequence.
  /// - Throws: `SpecError` at a layer whose output no later layer (nor the loss) reads.
  func finish() throws -> ValueGraph? {
    guard isGraph else { return nil }
    let graph = ValueGraph(inputs: inputs, names: names)
    let uses = graph.uses(values: shapes.count)
    if let unused = uses.indices.dropFirst().first(where: { uses[$0] == 0 }) {
      let place = places[unused - 1]
      throw SpecError(file: file, line: place.line, column: place.column,
                      message: "the output of this layer\(names[unused].map { " ('\($0)')" } ?? "") is read by no later layer nor by the loss; read it with 'add', 'mul' or 'from', or remove the layer")
    }
    return graph
  }

  /// The line (from 1) after `line` that defines `name`, if any.
  private func definitionLine(of name: String, after line: Int) -> Int? {
    for k in line..<rawLines.count {
      let tokens = rawLines[k].prefix { $0 != "#" }.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      if tokens.count >= 2, tokens[0] == name, tokens[1] == "=" { return k + 1 }
    }
    return nil
  }
}
