import Exact

extension FormulaPlan {
  /// The value of `node` with the current slots. A node evaluated at depth `d` leaves its result in
  /// a bound tensor, a constant, the cache, or `scratch[d]`, and uses only `scratch[d...]`; the
  /// factors of a product go to successive depths, so none overwrites another.
  func value(_ node: Node, depth d: Int) throws(GradientAuditError) -> Location {
    switch node {
    case .constant(let k):
      return Location(vector: constants, index: k)

    case let .access(id, indices):
      let binding = bindings[id]
      guard let vector = binding.vector else { preconditionFailure("\(rule): tensor \(tensorOrder(id)) is not bound") }
      var offset = binding.offset
      for (axis, e) in indices.enumerated() {
        let v = e.value(slots)
        if v < 0 || v >= binding.shape[axis] { return zero }  // outside the shape: 0
        offset += v * binding.strides[axis]
      }
      return Location(vector: vector, index: offset)

    case .bracket(let checks):
      for c in checks where !c.holds(slots) { return zero }
      return Location(vector: constants, index: 1)

    case let .sum(binders, checks, body):
      scratch.setZero(d)
      try loop(binders, 0, checks, body, d)
      return Location(vector: scratch, index: d)

    case .add(let terms):
      scratch.setZero(d)
      for t in terms {
        let v = try value(t, depth: d + 1)
        scratch.add(d, v.vector, v.index)
      }
      return Location(vector: scratch, index: d)

    case .mul(let factors):
      // A product is 0 as soon as one factor is exactly 0 (the exact evaluator's strong zero).
      let first = try value(factors[0], depth: d + 1)
      if first.vector.isZero(first.index) { return zero }
      var result = first
      for (k, factor) in factors.enumerated().dropFirst() {
        let v = try value(factor, depth: d + 1 + k)
        if v.vector.isZero(v.index) { return zero }
        scratch.multiply(d, result.vector, result.index, v.vector, v.index)
        result = Location(vector: scratch, index: d)
      }
      return result

    case let .apply(f, argument):
      let a = try value(argument, depth: d + 1)
      do {
        try scratch.apply(f, d, a.vector, a.index)
      } catch {
        throw GradientAuditError.outsideDomain(rule: rule, reason: "\(error)")
      }
      return Location(vector: scratch, index: d)

    case .step(let argument):
      let a = try value(argument, depth: d + 1)
      switch a.vector.sign(a.index) {
      case 1: return Location(vector: constants, index: 1)
      case -1: return zero
      case 0:
        kinks += 1
        return zero
      default:
        undecidedKinks += 1
        scratch.set(d, lower: 0, upper: 1)
        return Location(vector: scratch, index: d)
      }

    case let .cached(id, inner):
      if !cacheValid[id] {
        let v = try value(inner, depth: d)
        cache.copy(id, from: v.vector, v.index)
        cacheValid[id] = true
      }
      return Location(vector: cache, index: id)
    }
  }

  private var zero: Location { Location(vector: constants, index: 0) }

  private func tensorOrder(_ id: Int) -> String { tensorIDs.first { $0.value == id }?.key ?? "#\(id)" }

  /// `scratch[d] += body` over the integer points of the binders' ranges that pass `checks`.
  private func loop(_ binders: [Binder], _ level: Int, _ checks: [Check], _ body: Node, _ d: Int) throws(GradientAuditError) {
    let binder = binders[level]
    var low = Int.min, high = Int.max
    for e in binder.lower { low = Swift.max(low, e.value(slots)) }
    for e in binder.upper { high = Swift.min(high, e.value(slots)) }
    guard low <= high else { return }
    let last = level == binders.count - 1
    for v in low...high {
      slots[binder.slot] = v
      if !last {
        try loop(binders, level + 1, checks, body, d)
        continue
      }
      var passes = true
      for c in checks where !c.holds(slots) { passes = false; break }
      guard passes else { continue }
      if case .mul(let factors) = body, factors.count == 2 {
        // The common body `a * b`: multiplied straight into the accumulator.
        let a = try value(factors[0], depth: d + 1)
        if a.vector.isZero(a.index) { continue }
        let b = try value(factors[1], depth: d + 2)
        scratch.multiplyAccumulate(d, a.vector, a.index, b.vector, b.index)
      } else {
        let t = try value(body, depth: d + 1)
        scratch.add(d, t.vector, t.index)
      }
    }
  }
}
