/// The token blocks (Theorems/transformer.thm) in the ranks a model statement gives their values.
///
/// A token block reads `[T, n]`: `T` tokens of `n` features. The trainer stores a patch
/// embedding's `[GH, GW, D]` output as `GH GW` tokens of `D` features (token `p GW + q`), and an
/// attention's `[T, H, E]` output as tokens of `H E` features (head-major); a statement cannot
/// write `T = GH GW` (a product of sizes is not an affine index), so the block's `T` is split into
/// `GH, GW` instead and `n` into `H, E`: row-major storage of the split axes is the storage of the
/// one axis, so the split block states the same function of the same stored numbers.
extension BlockText {
  /// The block with dimension `dimension` split into `parts` axes (`T` into `T, T_1`; 0 parts: an
  /// axis of size 1 dropped, as a vector is one token): every tensor axis of that size becomes
  /// the parts, every binder `t: T` the binders `t: T, t_1: T_1`, every access at such an axis
  /// `x[t, i]` the access `x[t, t_1, i]`, and the size itself, where a formula reads it as a
  /// number (`1 / T`), the product of the parts.
  /// - Throws: `ModelCertificateError.unsupported` where such an axis is read at an index that
  ///   is not a bound name (`x[t + 1, i]` has no split form); `axis` says what the axis is.
  func splitting(_ dimension: String, into parts: Int, node: String, axis: String = "a token axis") throws -> BlockText {
    guard parts != 1, dimensions.contains(dimension) else { return self }
    let names = parts == 0 ? [] : [dimension] + (1..<parts).map { "\(dimension)_\($0)" }
    func extend(_ index: String) -> [String] { parts == 0 ? [] : [index] + (1..<parts).map { "\(index)_\($0)" } }
    func splitShape(_ shape: [String]) -> [String] { shape.flatMap { $0 == dimension ? names : [$0] } }
    // Every tensor the texts read, with its shape: the inputs, parameters, output, seed and
    // definitions.
    var shapes: [String: [String]] = [:]
    for t in inputs + parameters { shapes[t.name] = t.shape }
    shapes[output.name] = output.binders.map(\.dimension)
    shapes["dy"] = output.binders.map(\.dimension)
    for d in definitions {
      let head = d.text.prefix { $0 != "=" }
      guard let open = head.firstIndex(of: "["), let close = head.lastIndex(of: "]") else { continue }
      shapes[Self.definedName(d.text)] = Self.splitTopLevel(String(head[head.index(after: open)..<close])).map {
        $0.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
      }
    }
    let marker = "\u{1}"
    func split(_ text: String) throws -> String {
      // The size read as a number, first (a binder's `: T` is not such a read). Divided by, it
      // is divided by each part (`1 / T / T_1`): the normal form keeps `(T * T_1) ^ (-1)` apart
      // from `T ^ (-1) * T_1 ^ (-1)`, which a sum over the split axes gives.
      var out = "", token = "", previous: Character = " "
      let characters = Array(text)
      var position = 0
      func flush() {
        if token == dimension, previous != ":" {
          let rest = characters[position...].drop { $0 == " " }
          if parts == 0 {
            out += "1"
          } else if previous == "/", rest.first != "^" {
            out += names.joined(separator: " / ")
          } else {
            out += "(" + names.joined(separator: " * ") + ")"
          }
        } else {
          out += token
        }
        if !token.isEmpty { previous = token.last! }
        token = ""
      }
      for (k, c) in characters.enumerated() {
        position = k
        if c.isLetter || c.isNumber || c == "_" { token.append(c) } else {
          flush()
          out.append(c)
          if c != " " { previous = c }
        }
      }
      position = characters.count
      flush()
      // Binders `t: T`.
      out = Self.replacingBinders(in: out, over: dimension) { index in
        parts == 0 ? marker : zip(extend(String(index)), names).map { "\($0): \($1)" }.joined(separator: ", ")
      }
      // Accesses at an axis of that size.
      var failed: String?
      out = Self.replacingReads(in: out) { r in
        let (name, contents) = (String(r.name), String(r.contents))
        guard let shape = shapes[name], shape.contains(dimension), !contents.contains(":"), !contents.contains(marker) else { return String(r.whole) }
        let indices = Self.splitTopLevel(contents)
        guard indices.count == shape.count else { return String(r.whole) }
        var split: [String] = []
        for (index, size) in zip(indices, shape) {
          guard size == dimension else { split.append(index); continue }
          guard index.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            failed = "\(name)[\(contents)]"
            return String(r.whole)
          }
          split += extend(index)
        }
        return split.isEmpty ? name : "\(name)[\(split.joined(separator: ", "))]"
      }
      if let failed {
        throw ModelCertificateError.unsupported(node: node, reason: "its block reads \(failed), \(axis) at an index that is not a bound name")
      }
      guard parts == 0 else { return out }
      // Dropped binders: out of binder lists, and a sum over nothing but them is its body.
      out = out.replacingOccurrences(of: ", " + marker, with: "").replacingOccurrences(of: marker + ", ", with: "")
      out = out.replacingOccurrences(of: "sum(\(marker)) ", with: "").replacingOccurrences(of: "[\(marker)]", with: "")
      guard !out.contains(marker) else {
        throw ModelCertificateError.unsupported(node: node, reason: "its block sums over a token axis with conditions, which a vector has not")
      }
      return out
    }
    var result = self
    result.dimensions = splitShape(dimensions)
    result.inputs = inputs.map { Tensor(name: $0.name, shape: splitShape($0.shape)) }
    result.parameters = parameters.map { Tensor(name: $0.name, shape: splitShape($0.shape)) }
    result.output = Output(name: output.name, binders: output.binders.flatMap { b in
      b.dimension == dimension ? zip(extend(b.index), names).map { ($0, $1) } : [b]
    }, formula: try split(output.formula))
    result.assumptions = try assumptions.map(split)
    result.rules = try rules.map { rule in
      let shape = shapes[rule.tensor] ?? []
      let indices = shape.count == rule.indices.count
        ? zip(rule.indices, shape).flatMap { $1 == dimension ? extend($0) : [$0] } : rule.indices
      return Rule(tensor: rule.tensor, indices: indices, formula: try split(rule.formula))
    }
    result.definitions = try definitions.map { (try split($0.text), $0.afterOutput) }
    return result
  }

  /// The name of the one input the trainer's attention reads, `[T, 3, H, E]`.
  static let attentionInput = "qkv"
  /// The dimension of that input's part axis (query, key, value), stated as 3 in a model.
  static let attentionParts = "J"

  /// The `attention_heads` block with its three inputs `Q`, `K`, `V` (`[T, H, E]`) read from the
  /// one value the trainer's layer reads, `[T, J, H, E]` with `J = 3` (a token's query, key and
  /// value side by side, `AttentionHeads`): `Q[t, h, e]` is `qkv[t, 0, h, e]`, `K` is at `1`, `V`
  /// at `2`; the input's rule is the three rules each where its part is,
  /// `[j == 0] * (rule of Q) + [j == 1] * (rule of K) + [j == 2] * (rule of V)`.
  func joiningAttentionInputs(node: String) throws -> BlockText {
    let parts = ["Q", "K", "V"]
    guard inputs.map(\.name) == parts, Set(inputs.map(\.shape)).count == 1, let shape = inputs.first?.shape, shape.count == 3,
      !dimensions.contains(Self.attentionParts)
    else {
      throw ModelCertificateError.unsupported(node: node, reason: "its attention block does not read Q, K and V of one shape")
    }
    let x = Self.attentionInput
    func join(_ text: String) -> String {
      text.replacing(/\b([QKV])\[([^\]]*)\]/) { m in
        let indices = Self.splitTopLevel(String(m.output.2))
        let part = parts.firstIndex(of: String(m.output.1))!
        return "\(x)[\(([indices[0], "\(part)"] + indices.dropFirst()).joined(separator: ", "))]"
      }
    }
    var result = self
    result.dimensions.append(Self.attentionParts)
    result.inputs = [Tensor(name: x, shape: [shape[0], Self.attentionParts, shape[1], shape[2]])]
    result.output.formula = join(output.formula)
    result.definitions = definitions.map { (join($0.text), $0.afterOutput) }
    result.assumptions = assumptions.map(join)
    // Each rule's indices renamed to the joined rule's (fresh names: no block binds them).
    let indices = ["qkv_t", "qkv_h", "qkv_e"], joined = "qkv_j"
    var terms: [String] = []
    for (k, part) in parts.enumerated() {
      guard let rule = rule(part), rule.indices.count == 3 else {
        throw ModelCertificateError.unsupported(node: node, reason: "its attention block has no rule for \(part)")
      }
      let renamed = BlockText.renaming(join(rule.formula), Dictionary(uniqueKeysWithValues: zip(rule.indices, indices)))
      terms.append("[\(joined) == \(k)] * (\(renamed))")
    }
    result.rules = rules.filter { !parts.contains($0.tensor) }
      + [Rule(tensor: x, indices: [indices[0], joined, indices[1], indices[2]], formula: terms.joined(separator: " + "))]
    return result
  }
}
