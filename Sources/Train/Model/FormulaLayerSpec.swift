import Algebra
import ProofKernel

/// A custom layer of a model spec, given by its forward formula in the theorem language
/// (Docs/TheoremLanguage.md): a `layer` block like those of `Theorems/layers.thm`, with one
/// dimension (the width of the layer's input), one input vector over it, no parameters, one output
/// vector whose width is an affine expression of that dimension, optional `assume` lines, and an
/// optional `vjp` line giving the backward rule.
///
///     layer swish(n)
///       input x[n]
///       output y[i: n] = x[i] * sigmoid(x[i])
///
///     layer pairs(n)                                   # n - 1 outputs, each mixing two inputs
///       input x[n]
///       output y[i: n - 1] = x[i] * x[i + 1]
///       vjp x[i] = dy[i] * x[i + 1] + dy[i - 1] * x[i - 1]
///
/// Parsing reads the block with `TheoremLanguage.parse` and checks its shape; building a model
/// derives (or proves the given) backward rule, certifies it and compiles both formulas
/// (`FormulaCertification`, `FormulaLayer`). Errors are `SpecError`s at the spec's line and column.
///
/// Two specs are equal when their canonical texts (`text`) are.
public struct FormulaLayerSpec: Equatable, Sendable {
  /// The layer's name, which names its rule (`swish.x`) and its layers in a model (`swish1`).
  public let name: String
  /// The block in canonical form: comments and blank lines dropped, body lines indented by two
  /// spaces. It parses back to an equal spec.
  public let text: String
  /// The parsed block, with locations in the spec file.
  let layer: LayerDeclaration
  /// Where the block's lines are, for errors found when the model is built.
  let locations: Locations

  /// The spec file and the line and column of the block's header and lines.
  struct Locations: Sendable {
    var file: String
    var header: (line: Int, column: Int)
    var name: (line: Int, column: Int)
    var lines: [String: (line: Int, column: Int)] = [:]

    /// The place of the first line starting with `keyword`, else the header.
    func of(_ keyword: String) -> (line: Int, column: Int) { lines[keyword] ?? header }
  }

  public static func == (a: FormulaLayerSpec, b: FormulaLayerSpec) -> Bool { a.text == b.text }

  /// Reads one block (`layer` header first, then indented lines).
  /// - Throws: `SpecError` at the offending line and column.
  public init(parsing text: String, file: String = "<spec>") throws {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { (number: $0 + 1, text: $1) }
    try self.init(lines: lines, file: file)
  }

  /// Reads the block made of `lines` (numbered as in the spec file, the header first).
  init(lines: [(number: Int, text: Substring)], file: String) throws {
    precondition(!lines.isEmpty, "a block has a header line")
    // The block as the theorem language reads it, with the spec's line numbers and columns.
    var padded = String(repeating: "\n", count: lines[0].number - 1)
    var number = lines[0].number
    for line in lines {
      while number < line.number { padded += "\n"; number += 1 }
      padded += line.text
      padded += "\n"
      number += 1
    }
    let document: Document
    do {
      document = try TheoremLanguage.parse(padded, file: file)
    } catch let error as ParseError {
      throw FormulaLayerSpec.specError(error, lines: lines)
    }
    guard document.layers.count == 1, document.theorems.isEmpty, let layer = document.layers.first else {
      throw SpecError(file: file, line: lines[0].number, column: 1, message: "expected one layer block")
    }
    var locations = Locations(file: file, header: (lines[0].number, 1), name: (lines[0].number, 1))
    for line in lines {
      var column = 1
      for piece in line.text.split(separator: ";", omittingEmptySubsequences: false) {
        let leading = piece.prefix { $0 == " " || $0 == "\t" }.count
        let word = piece.dropFirst(leading).prefix { $0.isLetter || $0 == "_" }
        if !word.isEmpty, locations.lines[String(word)] == nil {
          locations.lines[String(word)] = (line.number, column + leading)
        }
        column += piece.count + 1
      }
    }
    if let range = lines[0].text.range(of: layer.name) {
      locations.name = (lines[0].number, lines[0].text.distance(from: lines[0].text.startIndex, to: range.lowerBound) + 1)
    }
    self.name = layer.name
    self.layer = layer
    self.locations = locations
    self.text = FormulaLayerSpec.canonical(lines.map(\.text))
    try checkShape()
  }

  /// The number of outputs for an input of `n` features (the output range at its dimension = n);
  /// nil when it overflows.
  public func outputWidth(forInput n: Int) -> Int? {
    let e = layer.output.shape[0]
    var total = e.constant
    for (_, k) in e.terms {
      let (p, o1) = k.multipliedReportingOverflow(by: n)
      let (s, o2) = total.addingReportingOverflow(p)
      if o1 || o2 { return nil }
      total = s
    }
    return total
  }

  /// The output range as written (`n`, `n - 1`).
  var outputRange: String { layer.output.shape[0].description }

  /// Whether the block gives its backward rule (`vjp x[i] = ...`) rather than leaving it to the engine.
  public var givesBackward: Bool { !layer.rules.isEmpty }

  func error(at keyword: String, _ message: String) -> SpecError {
    let (line, column) = locations.of(keyword)
    return SpecError(file: locations.file, line: line, column: column, message: message)
  }

  // MARK: - Checks

  /// One dimension, one input vector over it, no parameters, a vector output.
  private func checkShape() throws {
    guard layer.dimensions.count == 1, let n = layer.dimensions.first else {
      throw error(at: "layer", "a formula layer has exactly one dimension, the width of its input, as in 'layer \(name)(n)'")
    }
    guard layer.parameters.isEmpty else {
      throw error(at: "param", "a formula layer has no parameters (learned weights belong in 'dense' layers)")
    }
    guard layer.inputs.count == 1, layer.inputs[0].shape == [try Affine.dimension(n)] else {
      throw error(at: "input", "a formula layer reads one input vector over its dimension, as in 'input x[\(n)]'")
    }
    guard layer.output.shape.count == 1 else {
      throw error(at: "output", "a formula layer's output is a vector with one index, as in 'output y[i: \(n)] = ...'")
    }
  }

  // MARK: - Text

  /// The header as written, then each line without comment or surrounding blanks, indented by two.
  static func canonical(_ lines: [Substring]) -> String {
    var out: [String] = []
    for (k, line) in lines.enumerated() {
      let code = line.prefix { $0 != "#" }.trimmingCharacters(in: " \t\r")
      if code.isEmpty { continue }
      out.append(k == 0 ? code : "  " + code)
    }
    return out.joined(separator: "\n")
  }

  /// A theorem-language error in spec coordinates, with a clearer message for an unknown function.
  static func specError(_ error: ParseError, lines: [(number: Int, text: Substring)]) -> SpecError {
    let location = error.location
    var message = error.message
    var column = location.column
    if let line = lines.first(where: { $0.number == location.line }) {
      let characters = Array(line.text)
      // `foo(` where foo is no function: the parser stops at the name or at the parenthesis.
      var start = min(max(column - 1, 0), characters.count)
      if start < characters.count, characters[start] == "(" {
        var k = start
        while k > 0, characters[k - 1] == " " { k -= 1 }
        var b = k
        while b > 0, characters[b - 1].isLetter || characters[b - 1].isNumber || characters[b - 1] == "_" { b -= 1 }
        if b < k { start = b }
      }
      var end = start
      while end < characters.count, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" { end += 1 }
      var next = end
      while next < characters.count, characters[next] == " " { next += 1 }
      let word = String(characters[start..<end])
      if end > start, next < characters.count, characters[next] == "(", characters[start].isLetter,
         !FormulaLayerSpec.functionNames.contains(word), !["sum", "delta", "grad", "vjp", "D", "layer"].contains(word) {
        message = "unknown function '\(word)'; the functions are \(FormulaLayerSpec.functionNames.joined(separator: ", "))"
        column = start + 1
      }
    }
    return SpecError(file: location.file, line: location.line, column: column, message: message)
  }

  /// The functions of the theorem language (`sqrt` is a power).
  static let functionNames = ScalarFunction.allCases.map(\.rawValue) + ["sqrt"]
}

extension String {
  fileprivate func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let c = s.first, set.contains(c) { s.removeFirst() }
    while let c = s.last, set.contains(c) { s.removeLast() }
    return String(s)
  }
}

extension Substring {
  fileprivate func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
