internal import ProofKernel

extension ChainProof {
  /// Rewrites the composed gradient (step `k`) so that the cotangent each layer passes down reads
  /// as the statement's backward definition for it, top layer first: the entries of a layer's
  /// seed hold the layer above's cotangent with the one above that already recognised, so each
  /// comparison is one layer's terms against one definition unfolded once (definitions otherwise
  /// kept folded). A cotangent no definition names (between a dense layer and its activation)
  /// stays as it is, inside the next. Returns the step of the rewritten identity.
  mutating func recogniseCotangents(in k: Int) throws -> Int {
    let backward = ChainPlan.backward(statement.rhs, output: vjp.output)
    let isBackward = Set(backward.map(ObjectIdentifier.init))
    var current = k
    var last: Definition? = nil
    var kept = Set<ObjectIdentifier>()
    for level in holes.reversed() {
      var recognised: Definition? = nil
      for place in level.places {
        var path = [0, 1] + place.path
        var content = try builder.theorem(current).rhs.subterm(at: path)
        if case let .mul(fs) = content.node, fs.count == 2, case .bracket = fs[0].node { (path, content) = (path + [1], fs[1]) }
        // The same cotangent, reached before by another of the model's gradients: its equation
        // again (the kernel's `cong` compares the terms).
        let memo = content.key + "|" + place.at.map(\.description).joined(separator: ",")
        if let known = shared.recognitions[memo] {
          current = try builder.apply(.cong(current, path: path, by: known.step))
          recognised = known.definition
          continue
        }
        let candidates = backward.filter { c in
          let refs = plan.references(in: c.body)
          guard c.parameters.count == place.at.count else { return false }
          return last.map { l in refs.contains { $0 === l } } ?? !refs.contains { isBackward.contains(ObjectIdentifier($0)) }
        }
        // A definition outside its shape is its body, not 0: where the cotangent carries the range
        // of its index (left by a delta), it is the definition times that range. Where it carries
        // the range of some indices only (a convolution's input rule over a batch: the batch
        // index's delta leaves its range, the window's constraints are not the image's range), it
        // is the definition compared with those constraints dropped under the hypothesis of its
        // range, as below a layer norm (tried last).
        let targets = try candidates.flatMap { c -> [(Definition, Term, [Int], Bool)] in
          let named = try Term.reference(c, place.at)
          return [(c, named, [], false), (c, .mul([.bracket(try Self.range(of: c, at: place.at)), named]), [1], false), (c, named, [], true)]
        }
        for (c, target, inside, drops) in targets {
          // Tried in the proof itself: a failed candidate's steps are left unused, and pruned from
          // the certificate (StepPruning), rather than normalizing the right one twice.
          let range = try Self.range(of: c, at: place.at)
          // Read with the range of the stand-in `u` inside it (below a layer norm): compared with
          // the plain definition under the hypothesis of its range (`ChainProof+Folding.swift`).
          let carried = Self.carries(range, in: content), underRange = drops || carried
          if underRange && !inside.isEmpty || drops && carried { continue }  // the last target: only where not carried
          var named = try builder.start(target)
          try named.apply(.unfold, at: inside)
          guard try unfolding(&named, like: content, keeping: kept, backward: isBackward, below: level.definition) else { continue }
          guard let equation = try? (underRange ? equal(content, named.current, in: builder, dropping: range) : equal(content, named.current, in: builder)) else {
            continue
          }
          let same = try builder.apply(.trans(dischargingSigns(equation), try builder.apply(.sym(named.step))))
          current = try builder.apply(.cong(current, path: path, by: same))
          shared.recognitions[memo] = (c, same)
          recognised = c
          break
        }
      }
      if let recognised { last = recognised; kept.insert(ObjectIdentifier(recognised)) }
    }
    return current
  }

  /// Step `k` with each sign condition the kernel's positivity check proves alone discharged at
  /// once (below an attention, the softmax's `sum exp(S) != 0`, which normalizing the cotangent
  /// records at its head and token): while its indices are free, that is `discharge`'s positivity;
  /// after `cong` has put it under the sums binding the token (the dense layer's) and then the
  /// head (the gradient's), it is a `forall` nested in two whose body reads both binders, which
  /// `discharge` does not cover.
  func dischargingSigns(_ k: Int) -> Int {
    var current = k
    for h in builder.theorem(k).hypotheses {
      var body = h
      while case let .forAll(_, _, inner) = body { body = inner }
      switch body {
      case .nonZero, .positive: break
      default: continue
      }
      let rest = builder.theorem(current).hypotheses.filter { $0 != h }
      if let done = try? builder.apply(.discharge(current, stating: rest)) { current = done }
    }
    return current
  }

  /// `0 <= at < shape` of a definition's parameters.
  static func range(of d: Definition, at: [Affine]) throws -> Guard {
    try zip(at, d.shape).reduce(Guard.true) { g, pair in
      try g.and(Guard(nonNegative: [pair.0, try pair.1.plus(.constant(-1)).plus(pair.0.scaled(by: -1))]))
    }
  }
}
