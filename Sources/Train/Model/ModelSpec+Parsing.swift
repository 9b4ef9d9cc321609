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

  /// The layer statements by keyword: how each reads its arguments. A new layer kind (a formula
  /// layer, say) adds its keyword here and a `LayerSpec` case.
  static let layerKeywords: [String: @Sendable (inout SpecLine) throws -> LayerSpec] = [
    "dense": { line in .dense(units: try line.positiveInteger(what: "the layer's output width")) },
    "relu": { _ in .relu },
    "sigmoid": { _ in .sigmoid },
    "tanh": { _ in .tanh },
    "dropout": { line in
      try line.keyword("keep", what: "'keep' and the keep probability, as in 'dropout keep 0.9'")
      return .dropout(keep: try line.probability(what: "the keep probability, in (0, 1]"))
    },
  ]
}

/// The tokens of one spec line, read left to right, each with its column.
struct SpecLine {
  let file: String
  let number: Int
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

  mutating func keyword(_ expected: String, what: String) throws {
    let token = try word(what: what)
    guard token.text == expected else {
      throw error("expected \(what), found '\(token.text)'", column: token.column)
    }
  }

  mutating func positiveInteger(what: String) throws -> Int {
    let token = try word(what: "\(what) (a positive integer)")
    guard let value = Int(token.text), value > 0 else {
      throw error("expected \(what) (a positive integer), found '\(token.text)'", column: token.column)
    }
    return value
  }

  mutating func probability(what: String) throws -> Double {
    let token = try word(what: what)
    guard let value = Double(token.text), value > 0, value <= 1 else {
      throw error("expected \(what), found '\(token.text)'", column: token.column)
    }
    return value
  }

  /// Fails on anything left after a complete statement.
  func finish(after statement: String) throws {
    guard isAtEnd else {
      throw error("unexpected '\(tokens[position].text)' after '\(statement)'; expected the end of the line")
    }
  }
}

/// The spec grammar: `input`, then layers, then `loss`, one statement a line.
struct SpecParser {
  let file: String

  mutating func parse(_ text: String) throws -> ModelSpec {
    var inputWidth: Int?
    var layers: [LayerSpec] = []
    var loss: LossSpec?
    var lineCount = 0
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      lineCount = index + 1
      var line = SpecLine(file: file, number: index + 1, text: rawLine)
      if line.isEmpty { continue }
      let keywordColumn = line.column
      let keyword = try line.word(what: "a statement").text
      if loss != nil {
        throw line.error("unexpected '\(keyword)' after the loss; the loss is the last statement", column: keywordColumn)
      }
      switch keyword {
      case "input":
        guard inputWidth == nil else { throw line.error("a spec has one 'input' statement", column: keywordColumn) }
        inputWidth = try line.positiveInteger(what: "the number of input features")
      case "loss":
        guard inputWidth != nil else { throw missingInput(line, keywordColumn) }
        let token = try line.word(what: "a loss name (\(lossNames))")
        guard let value = LossSpec(rawValue: String(token.text)) else {
          throw line.error("unknown loss '\(token.text)'; expected \(lossNames)", column: token.column)
        }
        loss = value
      default:
        guard let read = ModelSpec.layerKeywords[String(keyword)] else {
          let known = (["input", "loss"] + ModelSpec.layerKeywords.keys).sorted().joined(separator: ", ")
          throw line.error("unknown statement '\(keyword)'; expected one of: \(known)", column: keywordColumn)
        }
        guard inputWidth != nil else { throw missingInput(line, keywordColumn) }
        layers.append(try read(&line))
      }
      try line.finish(after: String(keyword))
    }
    guard let inputWidth else {
      throw SpecError(file: file, line: max(lineCount, 1), column: 1, message: "expected 'input N': the spec is empty")
    }
    guard let loss else {
      throw SpecError(
        file: file, line: max(lineCount, 1), column: 1,
        message: "expected a final 'loss' statement (\(lossNames))")
    }
    return ModelSpec(inputWidth: inputWidth, layers: layers, loss: loss)
  }

  private var lossNames: String { LossSpec.allCases.map(\.rawValue).joined(separator: " or ") }

  private func missingInput(_ line: SpecLine, _ column: Int) -> SpecError {
    line.error("expected 'input N' before the first layer", column: column)
  }
}
