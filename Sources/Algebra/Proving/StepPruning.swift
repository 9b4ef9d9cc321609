internal import ProofKernel

/// The steps a theorem rests on: a proof search leaves steps behind that the result does not use
/// (a normalization tried on the wrong candidate, a strategy abandoned), and a certificate that
/// carried them would be longer to store and to replay. Untrusted: the kernel replays the pruned
/// list from scratch, and a step that was needed but dropped makes the replay fail, never pass.
enum StepPruning {
  /// The steps the last one depends on, in their original order, renumbered.
  static func pruned(_ steps: [Step]) -> [Step] {
    guard let last = steps.indices.last else { return steps }
    return pruned(steps, keeping: [last]).steps
  }

  /// The steps `roots` depend on, in their original order, renumbered; and the new number of
  /// every kept step (-1 for a dropped one).
  static func pruned(_ steps: [Step], keeping roots: [Int]) -> (steps: [Step], number: [Int]) {
    var needed = [Bool](repeating: false, count: steps.count)
    for r in roots { needed[r] = true }
    for k in steps.indices.reversed() where needed[k] {
      for p in steps[k].premises { needed[p] = true }
    }
    var number = [Int](repeating: -1, count: steps.count)
    var kept: [Step] = []
    kept.reserveCapacity(steps.count)
    for k in steps.indices where needed[k] {
      number[k] = kept.count
      kept.append(steps[k].renumbered { number[$0] })
    }
    return (kept, number)
  }
}

extension Step {
  /// The same step with its premises' numbers mapped.
  func renumbered(_ f: (Int) -> Int) -> Step {
    switch self {
    case .refl, .assume: return self
    case let .sym(a): return .sym(f(a))
    case let .trans(a, b): return .trans(f(a), f(b))
    case let .alpha(a, lhs, rhs): return .alpha(f(a), lhs: lhs, rhs: rhs)
    case let .cong(a, path, b): return .cong(f(a), path: path, by: f(b))
    case let .rewrite(a, path, rule): return .rewrite(f(a), path: path, rule)
    case let .discharge(a, stating): return .discharge(f(a), stating: stating)
    case let .vjpIntro(a, at): return .vjpIntro(f(a), at: at)
    case let .chain(a, b): return .chain(f(a), f(b))
    case let .chainDef(a, b): return .chainDef(f(a), f(b))
    case let .fanOut(a, b): return .fanOut(f(a), f(b))
    }
  }
}
