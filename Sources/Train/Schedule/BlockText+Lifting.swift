extension BlockText {
  /// The block of one dimension `n` (every tensor `[n]`: an elementwise layer, a formula layer)
  /// applied to a value of `rank` axes, as the trainer applies it to an image's storage: `n`
  /// becomes `n, n_1, ..., n_(rank-1)`, every binder `i: n` the binders of all of them, and every
  /// access `x[i]` the access `x[i, i_1, ...]`. A vector of `C H W` entries in storage order and
  /// the image it stores are the same entries, so the lifted block states the same function.
  /// - Throws: `ModelCertificateError.unsupported` when the block has other dimensions, or reads a
  ///   tensor at an index that is not a bound name (`x[i + 1]` has no image form).
  func lifted(toRank rank: Int, node: String) throws -> BlockText {
    guard rank > 1 else { return self }
    guard dimensions.count == 1, let n = dimensions.first,
      (inputs + parameters).allSatisfy({ $0.shape == [n] }), output.binders.allSatisfy({ $0.dimension == n })
    else {
      throw ModelCertificateError.unsupported(node: node, reason: "its block reads an image as a vector, and it is not elementwise over one dimension")
    }
    let dims = [n] + (1..<rank).map { "\(n)_\($0)" }
    let tensors = Set(inputs.map(\.name) + parameters.map(\.name) + [output.name, "dy"] + definitions.map { Self.definedName($0.text) })
    func extend(_ index: String) -> [String] { [index] + (1..<rank).map { "\(index)_\($0)" } }
    func lift(_ text: String) throws -> String {
      // Binders `i: n` (in sums, foralls, definitions).
      let binder = try! Regex("([A-Za-z_][A-Za-z0-9_]*): \(n)\\b", as: (Substring, Substring).self)
      var out = text.replacing(binder) { m in
        zip(extend(String(m.output.1)), dims).map { "\($0): \($1)" }.joined(separator: ", ")
      }
      // Accesses of the block's tensors.
      var failed: String?
      out = out.replacing(/([A-Za-z_][A-Za-z0-9_]*)\[([^\]]*)\]/) { m in
        let (name, index) = (String(m.output.1), String(m.output.2).trimmingCharacters(in: .whitespaces))
        guard tensors.contains(name) else { return String(m.output.0) }
        guard index.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
          failed = "\(name)[\(index)]"
          return String(m.output.0)
        }
        return "\(name)[\(extend(index).joined(separator: ", "))]"
      }
      if let failed {
        throw ModelCertificateError.unsupported(node: node, reason: "its block reads \(failed) of a vector the trainer stores an image in")
      }
      return out
    }
    var lifted = self
    lifted.dimensions = dims
    lifted.inputs = inputs.map { Tensor(name: $0.name, shape: dims) }
    lifted.parameters = parameters.map { Tensor(name: $0.name, shape: dims) }
    lifted.output = Output(name: output.name, binders: output.binders.flatMap { b in zip(extend(b.index), dims).map { ($0, $1) } },
                           formula: try lift(output.formula))
    lifted.assumptions = try assumptions.map(lift)
    lifted.rules = try rules.map { Rule(tensor: $0.tensor, indices: $0.indices.flatMap(extend), formula: try lift($0.formula)) }
    lifted.definitions = try definitions.map { (try lift($0.text), $0.afterOutput) }
    return lifted
  }

  static func definedName(_ def: String) -> String { String(def.prefix { $0.isLetter || $0.isNumber || $0 == "_" }) }
}
