import Evaluation

/// A plan's tensor accesses as one flat array of integers, so the innermost loops compute an
/// element's position without touching reference-counted arrays (the lowered form's `LoweredAccess`
/// holds three; reading them per term cost more than the MPFI multiply-add it fed).
///
/// One access at `start`: the tensor's id, the rank, then per axis its size, its stride, the
/// constant of its index and the number of terms, followed by that many (slot, coefficient) pairs.
/// The meaning is `LoweredAccess.offset`'s: row-major, and no position (an exact 0) when an index
/// falls outside its axis.
struct AccessCode {
  private(set) var code: [Int] = []

  /// Appends `access` of tensor `id`; returns where it starts.
  /// `strides` replaces the row-major strides of the access's shape (a tensor read in place from
  /// a larger one).
  mutating func append(tensor id: Int, _ access: LoweredAccess, strides: [Int]? = nil) -> Int {
    let start = code.count
    let strides = strides ?? access.strides
    precondition(strides.count == access.shape.count, "AccessCode: \(strides.count) strides for a rank-\(access.shape.count) tensor")
    code += [id, access.indices.count]
    for (axis, index) in access.indices.enumerated() {
      code += [access.shape[axis], strides[axis], index.constant, index.slots.count]
      for (slot, coefficient) in zip(index.slots, index.coefficients) { code += [slot, coefficient] }
    }
    return start
  }

  /// The tensor read by the access at `start` of `code`.
  @inline(__always)
  static func tensor(_ code: UnsafePointer<Int>, _ start: Int) -> Int { code[start] }

  /// The element's position within its tensor at the slot values `slots`, nil outside the shape.
  @inline(__always)
  static func offset(_ code: UnsafePointer<Int>, _ start: Int, _ slots: UnsafePointer<Int>) -> Int? {
    var p = code + start + 2
    var offset = 0
    for _ in 0..<code[start + 1] {
      let (size, stride, terms) = (p[0], p[1], p[3])
      var v = p[2]
      p += 4
      for t in 0..<terms { v &+= p[2 * t + 1] &* slots[p[2 * t]] }
      p += 2 * terms
      guard v >= 0, v < size else { return nil }
      offset &+= v &* stride
    }
    return offset
  }
}

extension AccessCode {
  /// The access at `start` along the slot `slot`, the other slots at their values in `slots`: its
  /// position is `base + step·v`, and it reads inside the tensor's shape exactly for `v` in
  /// `low...high` (an empty range when nowhere), where zero extension makes it 0 elsewhere.
  static func line(
    _ code: UnsafePointer<Int>, _ start: Int, _ slots: UnsafeMutablePointer<Int>, along slot: Int
  ) -> (base: Int, step: Int, low: Int, high: Int) {
    let saved = slots[slot]
    slots[slot] = 0
    defer { slots[slot] = saved }
    var p = code + start + 2
    var (base, step, low, high) = (0, 0, Int.min, Int.max)
    for _ in 0..<code[start + 1] {
      let (size, stride, terms) = (p[0], p[1], p[3])
      var b = p[2], c = 0
      p += 4
      for t in 0..<terms {
        b &+= p[2 * t + 1] &* slots[p[2 * t]]
        if p[2 * t] == slot { c &+= p[2 * t + 1] }
      }
      p += 2 * terms
      // 0 <= b + c·v <= size - 1
      if c == 0 {
        if b < 0 || b >= size { return (0, 0, 1, 0) }
      } else if c > 0 {
        low = max(low, LoweredLoop.ceilingDivide(-b, c))
        high = min(high, LoweredLoop.floorDivide(size - 1 - b, c))
      } else {
        low = max(low, LoweredLoop.ceilingDivide(b - size + 1, -c))
        high = min(high, LoweredLoop.floorDivide(b, -c))
      }
      base &+= b &* stride
      step &+= c &* stride
    }
    return (base, step, low, high)
  }
}
