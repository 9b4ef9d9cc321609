internal import ProofKernel

extension ChainProof {
  /// Step `k` (`⊢ L = R`, from `chain` with the definition `below` put in for the layer's input)
  /// with every read `[0 <= e < shape] * below[e]` written `below[e]`, on both sides.
  ///
  /// The kernel's substitution brackets a read whose range the guards around it do not state (max
  /// pooling reads its input at `2*p + 1`, a padded convolution at `p + u - 1`), because a tensor is
  /// 0 outside its shape and a definition need not be. A value read outside its shape is pinned in
  /// the model statement (a sum over its own range, Docs/Semantics.md), so it is 0 there too and the
  /// bracket changes nothing: `⊢ [range] * below[e] = below[e]`, proved once per read by unfolding
  /// `below` on both sides (`Shared.pinnedReads`) and used by `cong`, under `D` as well (the
  /// equation has no hypotheses). Where `below` is not pinned the equation is not proved, and the
  /// chain proof fails as before. Returns `k` when no read is bracketed.
  func readingPinned(_ below: Definition, in k: Int) throws -> Int {
    let theorem = builder.theorem(k)
    let left = try bracketedReads(of: below, in: theorem.lhs), right = try bracketedReads(of: below, in: theorem.rhs)
    guard !left.isEmpty || !right.isEmpty else { return k }
    var current = k
    if !left.isEmpty {
      // `⊢ L = L'` rewritten read by read, then `L' = L` joined to `L = R`.
      var plain = try builder.start(theorem.lhs)
      for (path, read) in left { try plain.rewrite(at: path, by: try pinnedRead(read)) }
      current = try builder.apply(.trans(try builder.apply(.sym(plain.step)), current))
    }
    for (path, read) in right { current = try builder.apply(.cong(current, path: path, by: try pinnedRead(read))) }
    return current
  }

  /// The paths of the subterms `[range of below at e] * below[e]` of `t`, and those subterms.
  func bracketedReads(of below: Definition, in t: Term) throws -> [(path: [Int], read: Term)] {
    var found: [(path: [Int], read: Term)] = []
    func walk(_ t: Term, _ path: [Int]) throws {
      if case let .mul(fs) = t.node, fs.count == 2, case let .bracket(g) = fs[0].node, case let .reference(d, e) = fs[1].node, d === below,
         g == (try Self.range(of: below, at: e)) {
        found.append((path, t))
        return
      }
      for (k, child) in t.children.enumerated() { try walk(child, path + [k]) }
    }
    try walk(t, [])
    return found
  }

  /// `⊢ [range] * d[e] = d[e]` for the bracketed read `read`: `d` unfolded on both sides, the two
  /// compared by their normal forms (other definitions kept folded, no hypotheses used).
  func pinnedRead(_ read: Term) throws -> Int {
    let memo = read.key
    if let known = shared.pinnedReads[memo] { return known }
    guard case let .mul(fs) = read.node, fs.count == 2 else { throw ProofFailure.unsupported("not a bracketed read: \(read)") }
    var left = try builder.start(read), right = try builder.start(fs[1])
    try left.apply(.unfold, at: [1])
    try right.apply(.unfold, at: [])
    let same = try equal(left.current, right.current, in: builder, usingHypotheses: false)
    let step = try builder.apply(.trans(left.step, try builder.apply(.trans(same, try builder.apply(.sym(right.step))))))
    shared.pinnedReads[memo] = step
    return step
  }
}
