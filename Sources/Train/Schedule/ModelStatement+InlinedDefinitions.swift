extension ModelStatement {
  /// The blocks whose output is written with the definitions inside the block inlined: a layer
  /// norm's `xhat` reads its input beside `mu` and `rstd`, an attention's output beside `A`, so
  /// written through them the output is no layer over one value, and the top-down chain
  /// (Docs/Engine.md, "Top-down") cannot take it as one level; inlined, it reads its input alone.
  /// The definitions stay in the statement: the block's rules read them.
  static let blocksWithInlinedDefinitions: Set<String> = ["layernorm", "attention_heads"]

  /// `formula` (a block's output, renamed for the statement) with each read of one of
  /// `definitions` (the block's definitions before its output, renamed: `name[p: N, ...] = body`,
  /// or `name = body` without parameters) replaced by its body at the indices read, until none is
  /// left. The bound indices of each body are renamed apart first (`j` of `layernorm1_mu` to
  /// `j_mu`), so that a body inlined under another's sum is not captured by it.
  static func inliningDefinitions(_ definitions: [String], in formula: String) -> String {
    // A new bound name already used in the block would make the renaming capture: then the
    // output is written through the definitions, as before.
    let used = Set(([formula] + definitions).flatMap { $0.matches(of: /[A-Za-z_][A-Za-z0-9_]*/).map { String($0.output) } })
    var indexed: [String: (indices: [String], body: String)] = [:], scalars: [String: String] = [:]
    for d in definitions {
      guard let eq = d.range(of: " = ") else { continue }
      let head = String(d[..<eq.lowerBound])
      var body = String(d[eq.upperBound...])
      let name = head.split(separator: "[", maxSplits: 1).first.map(String.init) ?? head
      let suffix = name.split(separator: "_").last.map(String.init) ?? name
      var apart: [String: String] = [:]
      for m in body.matches(of: /sum\(([^|)]*)/) {
        for binder in BlockText.splitTopLevel(String(m.output.1)) {
          let index = binder.split(separator: ":").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? binder
          apart[index] = index + "_" + suffix
          if used.contains(index + "_" + suffix) { return formula }
        }
      }
      body = BlockText.renaming(body, apart)
      if let open = head.firstIndex(of: "["), head.hasSuffix("]") {
        let parameters = BlockText.splitTopLevel(String(head[head.index(after: open)..<head.index(before: head.endIndex)]))
          .map { $0.split(separator: ":").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? $0 }
        indexed[name] = (parameters, body)
      } else {
        scalars[name] = "(" + body + ")"
      }
    }
    var out = formula
    for _ in 0...definitions.count {
      let next = inline(BlockText.renaming(out, scalars), indexed)
      if next == out { break }
      out = next
    }
    return out
  }
}
