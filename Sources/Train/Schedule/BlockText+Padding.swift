extension BlockText {
  /// The axes at which the block's output (or a definition before it) reads input `tensor` at an
  /// index that is not a bound name (`x[c, p + u - P + 1, ...]` in a padded convolution,
  /// `x[c, 2*p + 1, ...]` in max pooling): such a read can fall outside the input's shape, where a
  /// block's tensor input is 0 (zero extension) but a `def` is its body. A model statement
  /// writes a value read this way as a sum over its own range (`ModelStatement`), so that it is 0
  /// there too.
  func axesReadOutsideBinders(of tensor: String) -> Set<Int> {
    var axes: Set<Int> = []
    for text in [output.formula] + definitions.filter { !$0.afterOutput }.map(\.text) {
      for opening in Self.openings(in: text) where opening.name == tensor {
        // The bracket's contents, up to its matching `]`.
        var depth = 1, contents = ""
        for c in text[opening.after...] {
          if c == "[" || c == "(" { depth += 1 } else if c == "]" || c == ")" { depth -= 1 }
          if depth == 0 { break }
          contents.append(c)
        }
        for (axis, index) in Self.splitTopLevel(contents).enumerated()
        where !index.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
          axes.insert(axis)
        }
      }
    }
    return axes
  }
}

extension BlockText {
  /// Whether `formula` has no `+` or `-` outside brackets and parentheses but a leading sign: the
  /// theorem language reads it whole as a sum's body.
  static func isOneProduct(_ formula: String) -> Bool {
    var depth = 0
    for (k, c) in formula.trimmingCharacters(in: .whitespaces).enumerated() {
      if c == "[" || c == "(" { depth += 1 } else if c == "]" || c == ")" { depth -= 1 }
      if depth == 0, k > 0, c == "+" || c == "-" { return false }
    }
    return true
  }
}
