internal import ProofKernel

extension ChainProof {
  /// `⊢ target = target'`, `target'` the statement's right side with each reference to a backward
  /// definition unfolded once (the others kept folded), or nil when it has none.
  ///
  /// Why: a cotangent that recognition cannot name stays in the composed gradient as the layer's
  /// terms. Batch norm's input cotangent is one: its terms carry the ranges of different indices
  /// (the delta's `[0 <= n < N, ...] * g r dy[n, c, h, s]` has no range on `c`, its batch means one
  /// on `c` alone), so it is neither the definition nor the definition times its range. Under the
  /// sums of the gradient below it (a convolution's), every index is in range, so the gradient
  /// equals the statement's right side with that definition written out, compared as usual.
  func unfoldingCotangents(in target: Term) throws -> Int? {
    let forward = ChainPlan.forward(of: vjp.output)
    var paths: [[Int]] = []
    func walk(_ t: Term, _ p: [Int]) {
      if case let .reference(d, _) = t.node, !forward.contains(ObjectIdentifier(d)) { paths.append(p); return }
      for (c, child) in t.children.enumerated() { walk(child, p + [c]) }
    }
    walk(target, [])
    guard !paths.isEmpty else { return nil }
    var chain = try builder.start(target)
    for p in paths { try chain.apply(.unfold, at: p) }
    return chain.step
  }
}
