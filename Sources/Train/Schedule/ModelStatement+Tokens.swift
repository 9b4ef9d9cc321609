/// The token blocks of a model statement, split to the ranks of the values they read
/// (`BlockText.splitting`): a patch embedding writes `[GH, GW, D]`, two token axes; a token
/// block keeps its input's token axes, `token_meanpool` leaves none (a vector: one token); an
/// attention reads a `dense` to `[T.., 3, H, E]` and writes `[T.., H, E]`, two feature axes.
extension ModelStatement {
  /// The blocks that read `[T, n]` tokens.
  static let tokenBlocks: Set<String> = ["layernorm", "dense_tokens", "position_embedding", "token_meanpool", "attention_heads", "softmax_last"]

  /// `texts` (one per node, nil for a flatten) with each token block split to the token and
  /// feature axes of the value it reads, in forward order; `value` resolves a flatten's alias.
  static func tokenShaped(_ texts: [BlockText?], _ schedule: BackwardSchedule, value: (String) -> String) throws -> [BlockText?] {
    guard schedule.nodes.contains(where: { tokenBlocks.contains($0.block) }) else { return texts }
    var texts = texts
    var rank: [String: Int] = [:], tokens: [String: Int] = [:]
    let attentionReads = Set(schedule.nodes.filter { $0.block == "attention_heads" }.map { value($0.inputs[0]) })
    for (k, node) in schedule.nodes.enumerated() {
      guard var text = texts[k] else { continue }
      let v = value(node.inputs[0])
      if node.block.hasPrefix("patch_embed") {
        tokens[node.output] = 2
      } else if tokenBlocks.contains(node.block), let r = rank[v] {
        let t = tokens[v] ?? 1
        if node.block == "attention_heads" {
          text = try text.joiningAttentionInputs(node: node.name)
          guard r - t == 3 else {
            throw ModelCertificateError.unsupported(node: node.name, reason: "it reads \(v) as [T, 3, H, E], and \(v) has \(r - t) feature axes, not a dense layer's to 3 H E")
          }
        }
        let tokenAxis = text.inputs[0].shape[0], featureAxis = text.inputs[0].shape[text.inputs[0].shape.count - 1]
        text = try text.splitting(tokenAxis, into: t, node: node.name)
        if node.block != "attention_heads" { text = try text.splitting(featureAxis, into: r - t, node: node.name) }
        // A dense layer that an attention reads writes each token's query, key and value, H
        // heads of E features each: [T.., 3, H, E].
        if node.block == "dense_tokens", attentionReads.contains(node.output), let out = text.output.binders.last?.dimension {
          text = try text.splitting(out, into: 3, node: node.name)
        }
        tokens[node.output] = node.block == "token_meanpool" ? 0 : t
      } else if let t = tokens[v] {
        // A dense layer on a pooled value of several feature axes (an attention's heads) reads
        // them all; other blocks pass the token axes on.
        if node.block == "dense", t == 0, let r = rank[v], r > 1 { text = try text.splitting(text.inputs[0].shape[0], into: r, node: node.name) }
        tokens[node.output] = t
      }
      // An elementwise block of one dimension is lifted to its input's rank later.
      let elementwise = text.dimensions.count == 1 && text.inputs[0].shape.count == 1
      rank[node.output] = elementwise ? (rank[v] ?? 1) : text.output.binders.count
      texts[k] = text
    }
    return texts
  }
}

extension ModelStatement {
  /// Whether a rule reads no tensor but the seed `dy` (at bound names) and sums nothing: the
  /// cotangent read times a number.
  static func readsOnlySeed(_ formula: String) -> Bool {
    !formula.contains("sum(") && BlockText.reads(in: formula).allSatisfy { r in
      r.name == "dy" && BlockText.splitTopLevel(String(r.contents)).allSatisfy { $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }
    }
  }

  /// `text` with each read `c[a, b]` of an inlined contribution `c` replaced by its body at
  /// those indices, until none is left (a contribution's body may read another).
  static func inline(_ text: String, _ inlined: [String: (indices: [String], body: String)]) -> String {
    guard !inlined.isEmpty else { return text }
    var out = text
    for _ in 0..<inlined.count + 1 {
      var changed = false
      out = BlockText.replacingReads(in: out) { r in
        guard let c = inlined[String(r.name)], !r.contents.contains(":") else { return String(r.whole) }
        let at = BlockText.splitTopLevel(String(r.contents))
        guard at.count == c.indices.count else { return String(r.whole) }
        changed = true
        let body = BlockText.renaming(c.body, Dictionary(uniqueKeysWithValues: zip(c.indices, at)))
        // One read needs no parentheses; a product of several factors does (`x / (...)`).
        return BlockText.isOneRead(body) ? body : "(" + body + ")"
      }
      if !changed { break }
    }
    return out
  }
}
