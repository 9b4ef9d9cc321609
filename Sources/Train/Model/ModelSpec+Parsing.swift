import Exact
import Foundation

extension ModelSpec {
  /// Parses spec text; `file` names it in errors.
  ///
  /// - Throws: `SpecError` at the first offending token, saying what was expected.
  public init(parsing text: String, file: String = "<spec>") throws {
    var parser = SpecParser(file: file)
    self = try parser.parse(text)
  }

  /// Reads and parses a spec file.
  ///
  /// - Throws: `TrainingError.fileNotFound`/`.unreadable`, or `SpecError`.
  public init(contentsOf path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else { throw TrainingError.fileNotFound(path: path) }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TrainingError.unreadable(path: path, reason: "cannot read the file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw TrainingError.unreadable(path: path, reason: "not UTF-8 text")
    }
    try self.init(parsing: text, file: path)
  }

  /// The layer statements by keyword: how each reads its arguments. A new layer kind adds its
  /// keyword here and a `LayerSpec` case (formula layers are read by `SpecParser` itself: a
  /// `layer` block spans several lines).
  static let layerKeywords: [String: @Sendable (inout SpecLine) throws -> LayerSpec] = transformerLayerKeywords.merging([
    "dense": { line in
      let units = try line.positiveInteger(what: "the layer's output width")
      return line.inputShape.count == 2 ? .denseTokens(units: units) : .dense(units: units)
    },
    "relu": { _ in .relu },
    "sigmoid": { _ in .sigmoid },
    "tanh": { _ in .tanh },
    "dropout": { line in
      try line.keyword("keep", what: "'keep' and the keep probability, as in 'dropout keep 0.9'")
      return .dropout(keep: try line.probability(what: "the keep probability, in (0, 1]"))
    },
    "conv2d": { line in
      let channels = try line.channels()
      let kernel = try line.positiveInteger(what: "the kernel size")
      let (stride, padding) = try line.windowOptions(allowed: ["stride", "pad"], defaultStride: 1)
      return .conv2d(channels: channels, kernel: kernel, stride: stride, padding: padding)
    },
    "depthwise_conv2d": { line in
      let kernel = try line.positiveInteger(what: "the kernel size")
      let (stride, padding) = try line.windowOptions(allowed: ["stride", "pad"], defaultStride: 1)
      return .depthwiseConv2d(kernel: kernel, stride: stride, padding: padding)
    },
    "maxpool": { line in
      let kernel = try line.positiveInteger(what: "the window size")
      return .maxpool(kernel: kernel, stride: try line.windowOptions(allowed: ["stride"], defaultStride: kernel).stride)
    },
    "avgpool": { line in
      let kernel = try line.positiveInteger(what: "the window size")
      return .avgpool(kernel: kernel, stride: try line.windowOptions(allowed: ["stride"], defaultStride: kernel).stride)
    },
    "global_avgpool": { _ in .globalAvgpool },
    "flatten": { _ in .flatten },
    "batchnorm": { _ in .batchnorm },
  ]) { first, _ in first }
}

/// The tokens of one spec line, read left to right, each with its column.
struct SpecLine {
  let file: String
  let number: Int
  /// The shape of the value the statement reads (set by the parser before a layer is read).
  var inputShape: [Int] = []
  private var tokens: [(text: Substring, column: Int)]
  private var position = 0
  /// The column just past the last token (for "expected ... at end of line" errors).
  private let endColumn: Int

  init(file: String, number: Int, text: Substring) {
    self.file = file
    self.number = number
    var tokens: [(Substring, Int)] = []
    var column = 1
    var start: String.Index?
    var startColumn = 1
    var index = text.startIndex
    while index < text.endIndex {
      let c = text[index]
      if c == "#" { break }
      if c == " " || c == "\t" || c == "\r" {
        if let s = start { tokens.append((text[s..<index], startColumn)); start = nil }
      } else if start == nil {
        start = index
        startColumn = column
      }
      column += 1
      index = text.index(after: index)
    }
    if let s = start { tokens.append((text[s..<index], startColumn)) }
    self.tokens = tokens
    endColumn = column
  }

  var isEmpty: Bool { tokens.isEmpty }
  var isAtEnd: Bool { position == tokens.count }
  /// The column of the next token (or the end of the line).
  var column: Int { isAtEnd ? endColumn : tokens[position].column }

  func error(_ message: String, column: Int? = nil) -> SpecError {
    SpecError(file: file, line: number, column: column ?? self.column, message: message)
  }

  /// The next token, or an error saying `what` was expected there.
  mutating func word(what: String) throws -> (text: Substring, column: Int) {
    guard !isAtEnd else { throw error("expected \(what) at end of line") }
    defer { position += 1 }
    return tokens[position]
  }

  /// Consumes the next token if it is `text`.
  mutating func accept(_ text: String) -> Bool {
    guard !isAtEnd, tokens[position].text == text else { return false }
    position += 1
    return true
  }

  mutating func keyword(_ expected: String, what: String) throws {
    let token = try word(what: what)
    guard token.text == expected else {
      throw error("expected \(what), found '\(token.text)'", column: token.column)
    }
  }

  /// A width: a positive integer up to `ModelSpec.maximumWidth`.
  mutating func positiveInteger(what: String) throws -> Int {
    let token = try word(what: "\(what) (a positive integer)")
    let limit = ModelSpec.maximumWidth
    guard token.text.allSatisfy({ ("0"..."9").contains($0) }), !token.text.isEmpty, token.text.contains(where: { $0 != "0" }) else {
      throw error("expected \(what) (a positive integer), found '\(MessageText.cut(token.text))'", column: token.column)
    }
    guard let value = Int(token.text), value <= limit else {
      throw error("\(what) \(MessageText.cut(token.text)) is above the limit of \(limit)", column: token.column)
    }
    return value
  }

  /// A shape: `N`, `TxN` (tokens) or `CxHxW`, with each factor positive (the input of a spec).
  mutating func shape(what: String) throws -> [Int] {
    let token = try word(what: what)
    let parts = token.text.split(separator: "x", omittingEmptySubsequences: false)
    guard (1...3).contains(parts.count) else {
      throw error("expected \(what), found '\(MessageText.cut(token.text))'", column: token.column)
    }
    var shape: [Int] = []
    var line = SpecLine(file: file, number: number, text: Substring(parts.joined(separator: " ")))
    for _ in parts {
      do { shape.append(try line.positiveInteger(what: parts.count == 1 ? "the number of input features" : parts.count == 2 ? "each size of TxN" : "each size of CxHxW")) } catch let e as SpecError {
        throw SpecError(file: file, line: number, column: token.column, message: e.message)
      }
    }
    guard shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) <= ModelSpec.maximumWidth else {
      throw error("the input \(MessageText.cut(token.text)) has more than \(ModelSpec.maximumWidth) values, the limit", column: token.column)
    }
    return shape
  }

  /// A convolution's output channels, `D`, or `C->D` naming the input channels too (checked).
  mutating func channels() throws -> Int {
    let what = "the output channels (a positive integer, or IN->OUT)"
    guard !isAtEnd else { throw error("expected \(what) at end of line") }
    let token = tokens[position]
    guard let arrow = token.text.range(of: "->") else { return try positiveInteger(what: "the output channels") }
    position += 1
    var line = SpecLine(file: file, number: number, text: token.text[..<arrow.lowerBound] + " " + token.text[arrow.upperBound...])
    let given: Int, channels: Int
    do {
      given = try line.positiveInteger(what: "the input channels")
      channels = try line.positiveInteger(what: "the output channels")
    } catch let e as SpecError {
      throw SpecError(file: file, line: number, column: token.column, message: e.message)
    }
    if inputShape.count == 3, inputShape[0] != given {
      throw error("channel mismatch: the layer says \(given) input channels, its input has \(inputShape[0]) (shape \(inputShape.map(String.init).joined(separator: "x")))", column: token.column)
    }
    return channels
  }

  /// `stride S` and `pad P` options in any order, each at most once (`allowed` lists which).
  mutating func windowOptions(allowed: [String], defaultStride: Int) throws -> (stride: Int, padding: Int) {
    var stride: Int?, padding: Int?
    while !isAtEnd {
      let token = tokens[position]
      guard allowed.contains(String(token.text)) else {
        throw error("unexpected '\(MessageText.cut(token.text))'; expected \(allowed.map { "'\($0) N'" }.joined(separator: " or ")) or the end of the line", column: token.column)
      }
      position += 1
      if token.text == "stride" {
        guard stride == nil else { throw error("'stride' is given twice", column: token.column) }
        stride = try positiveInteger(what: "the stride")
      } else {
        guard padding == nil else { throw error("'pad' is given twice", column: token.column) }
        padding = try nonNegativeInteger(what: "the padding")
      }
    }
    return (stride ?? defaultStride, padding ?? 0)
  }

  /// A count that may be 0, up to `ModelSpec.maximumWidth`.
  mutating func nonNegativeInteger(what: String) throws -> Int {
    if !isAtEnd, tokens[position].text.allSatisfy({ $0 == "0" }), !tokens[position].text.isEmpty {
      position += 1
      return 0
    }
    return try positiveInteger(what: what)
  }

  mutating func probability(what: String) throws -> Double {
    let token = try word(what: what)
    guard let value = Double(token.text), value > 0, value <= 1 else {
      throw error("expected \(what), found '\(MessageText.cut(token.text))'", column: token.column)
    }
    return value
  }

  /// Fails on anything left after a complete statement.
  func finish(after statement: String) throws {
    guard isAtEnd else {
      throw error("unexpected '\(MessageText.cut(tokens[position].text))' after '\(statement)'; expected the end of the line")
    }
  }
}

/// The spec grammar: `input`, then layers, then `loss`, one statement a line; a `layer` block
/// (a custom layer in the theorem language) spans its header and the indented lines after it.
struct SpecParser {
  let file: String

  /// Statement keywords and certified block names, which a formula layer may not take as its name.
  static var reservedNames: Set<String> {
    Set(["input", "loss", "layer"]).union(ModelSpec.layerKeywords.keys).union(CompiledRules.allBlocks.keys)
      .union(LossSpec.allCases.map(\.rawValue))
  }

  mutating func parse(_ text: String) throws -> ModelSpec {
    var inputWidth: Int?
    var inputShape: [Int]?
    var layers: [LayerSpec] = []
    var loss: LossSpec?
    var formulas: [String: FormulaLayerSpec] = [:]
    var graph: SpecGraphReader?
    let rawLines = text.split(separator: "\n", omittingEmptySubsequences: false)
    var index = 0
    while index < rawLines.count {
      let rawLine = rawLines[index]
      index += 1
      var line = SpecLine(file: file, number: index, text: rawLine)
      if line.isEmpty { continue }
      let first = try line.word(what: "a statement")
      var (keyword, keywordColumn) = first
      if loss != nil {
        throw line.error("unexpected '\(MessageText.cut(keyword))' after the loss; the loss is the last statement", column: keywordColumn)
      }
      // `NAME = ` and `from NAME` before a layer statement (SpecGraphReader).
      var prefix: SpecGraphReader.Prefix?
      if graph != nil, !["input", "loss", "layer"].contains(keyword) {
        prefix = try graph!.prefix(&line, first: first, reserved: SpecParser.reservedNames.union(formulas.keys))
        (keyword, keywordColumn) = (prefix!.keyword, prefix!.keywordColumn)
        if ["input", "loss", "layer"].contains(keyword) {
          throw line.error("'\(keyword)' takes no 'NAME =' or 'from NAME'"
            + (keyword == "layer" ? "; define the block on its own line, then use its name ('h = from x swish')" : ""), column: keywordColumn)
        }
      }
      let source = prefix?.source ?? graph?.current ?? 0
      switch keyword {
      case "add", "mul":
        guard graph != nil else { throw missingInput(line, keywordColumn) }
        let other = try graph!.operand(&line, keyword: keyword, source: source)
        let layer: LayerSpec = keyword == "add" ? .add : .mul
        layers.append(layer)
        graph!.append(layer, reads: [source, other], name: prefix?.name?.text, line: index, column: keywordColumn)
      case "input":
        guard inputWidth == nil else { throw line.error("a spec has one 'input' statement", column: keywordColumn) }
        inputShape = try line.shape(what: "the input shape: N features, CxHxW for images (e.g. 1x28x28), or TxN for tokens (e.g. 16x49)")
        inputWidth = inputShape!.reduce(1, *)
        graph = SpecGraphReader(file: file, inputShape: inputShape!, rawLines: rawLines)
      case "loss":
        guard inputWidth != nil else { throw missingInput(line, keywordColumn) }
        let token = try line.word(what: "a loss name (\(lossNames))")
        guard let value = LossSpec(rawValue: String(token.text)) else {
          throw line.error("unknown loss '\(MessageText.cut(token.text))'; expected \(lossNames)", column: token.column)
        }
        loss = value
      case "layer":
        guard inputShape != nil, let shape = graph?.shapes[source] else { throw missingInput(line, keywordColumn) }
        let block = blockLines(rawLines, header: index - 1)
        index = block.last!.number
        let formula = try FormulaLayerSpec(lines: block, file: file)
        let (nameLine, nameColumn) = formula.locations.name
        if SpecParser.reservedNames.contains(formula.name) {
          throw SpecError(file: file, line: nameLine, column: nameColumn,
                          message: "'\(formula.name)' names a built-in statement or block; choose another name for the layer")
        }
        if let first = formulas[formula.name] {
          throw SpecError(file: file, line: nameLine, column: nameColumn,
                          message: "layer '\(formula.name)' is already defined at line \(first.locations.header.line); write '\(formula.name)' alone to use it again")
        }
        // The width after the layers before it, not the spec's input width.
        try checkWidth(formula, input: vectorWidth(shape, formula, line: formula.locations.header.line, column: keywordColumn), line: nameLine, column: 1)
        formulas[formula.name] = formula
        layers.append(.formula(formula))
        graph!.append(.formula(formula), reads: [source], name: nil, line: index, column: keywordColumn)
        continue
      default:
        if let formula = formulas[String(keyword)] {
          guard inputShape != nil, let shape = graph?.shapes[source] else { throw missingInput(line, keywordColumn) }
          try checkWidth(formula, input: vectorWidth(shape, formula, line: index, column: keywordColumn), line: index, column: keywordColumn)
          layers.append(.formula(formula))
          graph!.append(.formula(formula), reads: [source], name: prefix?.name?.text, line: index, column: keywordColumn)
          break
        }
        guard let read = ModelSpec.layerKeywords[String(keyword)] else {
          let known = (["input", "layer", "loss"] + SpecGraphReader.keywords.subtracting(["input"]) + ModelSpec.layerKeywords.keys + formulas.keys).sorted().joined(separator: ", ")
          throw line.error("unknown statement '\(MessageText.cut(keyword))'; expected one of: \(known)", column: keywordColumn)
        }
        guard inputShape != nil, let shape = graph?.shapes[source] else { throw missingInput(line, keywordColumn) }
        line.inputShape = shape
        let layer = try read(&line)
        if case let .failure(problem) = layer.outputShape(input: line.inputShape) {
          throw line.error(problem.message, column: keywordColumn)
        }
        layers.append(layer)
        graph!.append(layer, reads: [source], name: prefix?.name?.text, line: index, column: keywordColumn)
      }
      try line.finish(after: String(keyword))
    }
    let lineCount = rawLines.count
    guard let inputWidth else {
      throw SpecError(file: file, line: max(lineCount, 1), column: 1, message: "expected 'input N': the spec is empty")
    }
    guard let loss else {
      throw SpecError(
        file: file, line: max(lineCount, 1), column: 1,
        message: "expected a final 'loss' statement (\(lossNames))")
    }
    _ = inputWidth
    return ModelSpec(inputShape: inputShape!, layers: layers, loss: loss, graph: try graph?.finish())
  }

  /// The header line and the indented (or blank) lines after it, numbered from 1, without trailing
  /// blank lines.
  private func blockLines(_ lines: [Substring], header: Int) -> [(number: Int, text: Substring)] {
    var block = [(number: header + 1, text: lines[header])]
    var k = header + 1
    while k < lines.count {
      let line = lines[k]
      let blank = line.prefix { $0 != "#" }.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
      guard blank || line.first == " " || line.first == "\t" else { break }
      block.append((k + 1, line))
      k += 1
    }
    while block.count > 1, block.last!.text.prefix(while: { $0 != "#" }).allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
      block.removeLast()
    }
    return block
  }

  /// The width of the input `shape` of a formula layer, which must be a vector.
  private func vectorWidth(_ shape: [Int], _ formula: FormulaLayerSpec, line: Int, column: Int) throws -> Int {
    if case let .failure(problem) = LayerSpec.formula(formula).outputShape(input: shape) {
      throw SpecError(file: file, line: line, column: column, message: problem.message)
    }
    return shape.reduce(1, *)
  }

  /// A formula layer's output range must hold at least one entry at this input width.
  private func checkWidth(_ formula: FormulaLayerSpec, input: Int, line: Int, column: Int) throws {
    if let width = formula.outputWidth(forInput: input), width > ModelSpec.maximumWidth {
      let (outputLine, outputColumn) = formula.locations.of("output")
      let at = line == formula.locations.header.line ? (outputLine, outputColumn) : (line, column)
      throw SpecError(
        file: file, line: at.0, column: at.1,
        message: "layer '\(formula.name)' would have \(width) outputs (\(formula.outputRange) with \(formula.layer.dimensions[0]) = \(input), "
          + "the width of its input), above the limit of \(ModelSpec.maximumWidth)")
    }
    guard let width = formula.outputWidth(forInput: input), width >= 1 else {
      let (outputLine, outputColumn) = formula.locations.of("output")
      let at = line == formula.locations.header.line ? (outputLine, outputColumn) : (line, column)
      throw SpecError(
        file: file, line: at.0, column: at.1,
        message: "layer '\(formula.name)' would have \(formula.outputWidth(forInput: input).map(String.init) ?? "too many") outputs "
          + "(\(formula.outputRange) with \(formula.layer.dimensions[0]) = \(input), the width of its input); "
          + (formula.outputWidth(forInput: input) == nil ? "the limit is \(ModelSpec.maximumWidth)" : "it needs at least 1"))
    }
  }

  private var lossNames: String { LossSpec.allCases.map(\.rawValue).joined(separator: " or ") }

  private func missingInput(_ line: SpecLine, _ column: Int) -> SpecError {
    line.error("expected 'input N' before the first layer", column: column)
  }
}
