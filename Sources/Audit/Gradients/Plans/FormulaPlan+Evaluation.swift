import Evaluation
import Exact

extension FormulaPlan {
  /// The value of `node` with the current slots. A node evaluated at depth `d` leaves its result in
  /// a bound tensor, a constant, the cache, or `scratch[d]`, and uses only `scratch[d...]`; the
  /// factors of a product go to successive depths, so none overwrites another.
  func value(_ node: Node, depth d: Int) throws(GradientAuditError) -> Location {
    switch node {
    case .constant(let k):
      return Location(vector: constants, index: k)

    case .access(let start):
      return locate(start) ?? zero  // outside the shape: 0

    case .table(let start):
      // Unfolded, a reference outside its definition's parameters' ranges is the body there, not
      // 0: the table cannot say, so the plan refuses rather than read 0.
      guard let l = locate(start) else {
        let name = tensorName(AccessCode.tensor(accessCode, start))
        throw GradientAuditError.unsupportedFormula(rule: rule, reason: "a reference to \(name) outside its table's shape")
      }
      return l

    case .bracket(let constraints):
      for c in constraints where !c.holds(slots) { return zero }
      return Location(vector: constants, index: 1)

    case let .sum(loop, body):
      scratch.setZero(d)
      for c in loop.outer where !c.holds(slots) { return Location(vector: scratch, index: d) }
      try self.loop(loop, 0, body, d)
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
        scratch.setUnitInterval(d)
        return Location(vector: scratch, index: d)
      }

    case let .keyed(id, reads, inner):
      if cacheValid[id] {
        var same = true
        for (j, slot) in reads.enumerated() where cacheKeys[id][j] != slots[slot] {
          same = false
          break
        }
        if same { return Location(vector: cache, index: id) }
      }
      let v = try value(inner, depth: d)
      cache.copy(id, from: v.vector, v.index)
      for (j, slot) in reads.enumerated() { cacheKeys[id][j] = slots[slot] }
      cacheValid[id] = true
      return Location(vector: cache, index: id)

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

  /// `out[k + t·kStride] += a · b` at the loop slot `slot` = `low + t`, for `low...high`: the
  /// product of two accesses along one index, as one strided call of the storage. The range is cut
  /// to where both read inside their shapes (elsewhere one factor is 0, by zero extension).
  func products(_ a: Int, _ b: Int, along slot: Int, _ low: Int, _ high: Int, into out: Values, _ k: Int, stride kStride: Int) {
    let la = AccessCode.line(accessCode, a, slots, along: slot), lb = AccessCode.line(accessCode, b, slots, along: slot)
    let (from, to) = (max(low, la.low, lb.low), min(high, la.high, lb.high))
    guard from <= to else { return }
    let (ia, ib) = (AccessCode.tensor(accessCode, a), AccessCode.tensor(accessCode, b))
    guard let x = boundVectors[ia], let y = boundVectors[ib] else { preconditionFailure("\(rule): a tensor is not bound") }
    out.multiplyAccumulate(
      k + (from - low) * kStride, stride: kStride,
      x.takeUnretainedValue(), boundOffsets[ia] + la.base + la.step * from, stride: la.step,
      y.takeUnretainedValue(), boundOffsets[ib] + lb.base + lb.step * from, stride: lb.step, count: to - from + 1)
  }

  /// The element the access at `start` reads at the current slots; nil outside the tensor's shape.
  @inline(__always)
  func locate(_ start: Int) -> Location? {
    let id = AccessCode.tensor(accessCode, start)
    guard let vector = boundVectors[id] else { preconditionFailure("\(rule): tensor \(tensorName(id)) is not bound") }
    guard let offset = AccessCode.offset(accessCode, start, slots) else { return nil }
    return Location(vector: vector.takeUnretainedValue(), index: boundOffsets[id] + offset)
  }

  func tensorName(_ id: Int) -> String { tensorIDs.first { $0.value == id }?.key ?? "#\(id)" }

  /// `scratch[d] += body` over the integer points of the loop from `level` on (the outer
  /// constraints already hold); every constraint of the guard is attached to a level, so each
  /// point visited is a point of the guard.
  private func loop(_ loop: LoweredLoop, _ level: Int, _ body: Node, _ d: Int) throws(GradientAuditError) {
    let (low, high) = loop.range(level: level, slots)
    guard low <= high else { return }
    let slot = loop.slots[level]
    guard level == loop.slots.count - 1 else {
      for v in low...high {
        slots[slot] = v
        try self.loop(loop, level + 1, body, d)
      }
      return
    }
    // The common bodies, recognised once per loop rather than per term: a product of two accesses
    // (a dot product), any product of two factors, multiplied straight into the accumulator.
    if case .mul(let factors) = body, factors.count == 2 {
      if case .access(let a) = factors[0], case .access(let b) = factors[1] {
        products(a, b, along: slot, low, high, into: scratch, d, stride: 0)
        return
      }
      let (first, second) = (factors[0], factors[1])
      for v in low...high {
        slots[slot] = v
        let a = try value(first, depth: d + 1)
        if a.vector.isZero(a.index) { continue }
        let b = try value(second, depth: d + 2)
        scratch.multiplyAccumulate(d, a.vector, a.index, b.vector, b.index)
      }
      return
    }
    for v in low...high {
      slots[slot] = v
      let t = try value(body, depth: d + 1)
      scratch.add(d, t.vector, t.index)
    }
  }
}
