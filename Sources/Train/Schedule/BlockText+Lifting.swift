extension BlockText {
  /// The block of one dimension `n` (every tensor `[n]`: an elementwise layer, a formula layer)
  /// applied to a value of `rank` axes, as the trainer applies it to an image's storage: `n` is
  /// split into `n, n_1, ..., n_(rank-1)` (`splitting`), so every binder `i: n` becomes the binders
  /// of all of them, every access `x[i]` the access `x[i, i_1, ...]`, and `n` read as a number the
  /// product of the parts. A vector of `C H W` entries in storage order and the image it stores
  /// are the same entries, so the lifted block states the same function.
  /// - Throws: `ModelCertificateError.unsupported` when the block has other dimensions, or reads a
  ///   tensor at an index that is not a bound name (`x[i + 1]` has no image form).
  func lifted(toRank rank: Int, node: String) throws -> BlockText {
    guard rank > 1 else { return self }
    guard dimensions.count == 1, let n = dimensions.first,
      (inputs + parameters).allSatisfy({ $0.shape == [n] }), output.binders.allSatisfy({ $0.dimension == n })
    else {
      throw ModelCertificateError.unsupported(node: node, reason: "its block reads an image as a vector, and it is not elementwise over one dimension")
    }
    return try splitting(n, into: rank, node: node, axis: "an image's axis")
  }

  static func definedName(_ def: String) -> String { String(def.prefix { $0.isLetter || $0.isNumber || $0 == "_" }) }
}
