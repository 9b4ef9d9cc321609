extension BlockText {
  /// The block with the sum that reads one of the inputs `named` at a shifted index (a
  /// convolution's `x[c, p + u - P + 1, ...]` under `sum(c: C, u: K, v: K)`) guarded by that read's
  /// range (`| 0 <= p + u - P + 1, p + u - P + 1 < H, ...`), in its output and its rules.
  ///
  /// The same numbers: the read is a factor of the sum's body and the input is 0 outside its shape
  /// (a value the statement pins), so the terms the guard leaves out are 0. Why: the kernel's
  /// `chain-def`, putting the input's definition back for it, brackets a read whose range the
  /// guards around it do not state; stated so, the definitions it rebuilds are the statement's, and
  /// the chain rule goes on top-down below a convolution (Docs/Engine.md, "Top-down").
  func guardingShiftedReads(of named: Set<String>) -> BlockText {
    let read = inputs.filter { named.contains($0.name) }
    guard !read.isEmpty else { return self }
    var out = self
    out.output.formula = Self.guardingShiftedReads(output.formula, of: read)
    out.rules = rules.map { Rule(tensor: $0.tensor, indices: $0.indices, formula: Self.guardingShiftedReads($0.formula, of: read)) }
    return out
  }

  /// `formula` with its one sum guarded by the range of each read of an input that is a factor of
  /// the sum's body, on the axes whose index is not a name but mentions an index the sum binds.
  /// Unchanged when it has not exactly one sum, or no such read.
  static func guardingShiftedReads(_ formula: String, of inputs: [Tensor]) -> String {
    let text = Array(formula)
    let opens = formula.ranges(of: "sum(").map { formula.distance(from: formula.startIndex, to: $0.lowerBound) }
      .filter { $0 == 0 || !(text[$0 - 1].isLetter || text[$0 - 1].isNumber || text[$0 - 1] == "_") }
    guard opens.count == 1 else { return formula }
    // The header `sum(...)` up to its matching parenthesis, then the body: one product, up to a
    // `+` or `-` outside brackets, or a parenthesis that closes around the sum.
    let headerStart = opens[0] + 4
    var depth = 1, k = headerStart
    while k < text.count, depth > 0 {
      if text[k] == "(" || text[k] == "[" { depth += 1 } else if text[k] == ")" || text[k] == "]" { depth -= 1 }
      k += 1
    }
    guard depth == 0 else { return formula }
    let headerEnd = k - 1, header = String(text[headerStart..<headerEnd])
    var bodyEnd = k
    depth = 0
    while bodyEnd < text.count {
      let c = text[bodyEnd]
      if c == "(" || c == "[" { depth += 1 } else if c == ")" || c == "]" { depth -= 1 }
      if depth < 0 || depth == 0 && (c == "+" || c == "-") && !String(text[k..<bodyEnd]).allSatisfy(\.isWhitespace) { break }
      bodyEnd += 1
    }
    let bound = Set(splitTopLevel(String(header.split(separator: "|", maxSplits: 1)[0])).compactMap {
      $0.split(separator: ":").first.map { $0.trimmingCharacters(in: .whitespaces) }
    })
    var constraints: [String] = []
    for factor in splitTopLevel(String(text[k..<bodyEnd]), at: "*") {
      guard let open = factor.firstIndex(of: "["), factor.hasSuffix("]"),
        let input = inputs.first(where: { $0.name == factor[..<open] }) else { continue }
      let arguments = splitTopLevel(String(factor[factor.index(after: open)...].dropLast()))
      guard arguments.count == input.shape.count else { continue }
      for (argument, size) in zip(arguments, input.shape) where !argument.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
        let names = argument.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
        guard names.contains(where: bound.contains) else { continue }
        for c in ["0 <= \(argument)", "\(argument) < \(size)"] where !constraints.contains(c) { constraints.append(c) }
      }
    }
    guard !constraints.isEmpty else { return formula }
    let guarded = header + (header.contains("|") ? ", " : " | ") + constraints.joined(separator: ", ")
    return String(text[..<headerStart]) + guarded + String(text[headerEnd...])
  }
}
