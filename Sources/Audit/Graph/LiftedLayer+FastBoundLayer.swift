extension LiftedLayer: FastBoundLayer {
  func fastTransformer() -> any FastTransformer {
    // GraphLowering lifts only layers the fast tier has; any other is refused there by name.
    guard let fast = inner as? any FastBoundLayer else {
      preconditionFailure("LiftedLayer: \(inner.kind) has no Float64 transformer")
    }
    return FastLifted(inner: fast.fastTransformer(), passthrough: passthrough)
  }
}

/// A lifted layer in Float64: the inner transformer on the front of each box, the carried
/// entries copied (exact: no rounding).
struct FastLifted: FastTransformer {
  let inner: any FastTransformer
  let passthrough: Int
  var inputWidth: Int { inner.inputWidth + passthrough }
  var outputWidth: Int { inner.outputWidth + passthrough }

  func propagate(_ input: BoxBatch, _ workspace: FastWorkspace) -> BoxBatch {
    let front = inner.propagate(split(input).front, workspace)
    return join(front, input, rowWidth: input.width, offset: inner.inputWidth)
  }

  func linearization(on input: BoxBatch) -> any FastLinearization {
    LiftedLinearization(inner: inner.linearization(on: split(input).front), innerInput: inner.inputWidth,
      innerOutput: inner.outputWidth, passthrough: passthrough)
  }

  func forward(_ x: [Double]) -> [Double] {
    inner.forward(Array(x.prefix(inner.inputWidth))) + x.dropFirst(inner.inputWidth)
  }

  func pullback(_ dy: [Double], at x: [Double]) -> [Double] {
    inner.pullback(Array(dy.prefix(inner.outputWidth)), at: Array(x.prefix(inner.inputWidth))) + dy.dropFirst(inner.outputWidth)
  }

  /// The front `inner.inputWidth` entries of each box.
  private func split(_ input: BoxBatch) -> (front: BoxBatch, Void) {
    let n = input.width, m = inner.inputWidth
    var lower = [Double](), upper = [Double]()
    lower.reserveCapacity(input.count * m)
    upper.reserveCapacity(input.count * m)
    for b in 0..<input.count {
      lower += input.lower[(b * n)..<(b * n + m)]
      upper += input.upper[(b * n)..<(b * n + m)]
    }
    return (BoxBatch(count: input.count, width: m, lower: lower, upper: upper), ())
  }

  /// `front` with each box's carried entries (`input`'s from `offset` on) appended.
  private func join(_ front: BoxBatch, _ input: BoxBatch, rowWidth n: Int, offset: Int) -> BoxBatch {
    let m = front.width, width = m + passthrough
    var lower = [Double](), upper = [Double]()
    lower.reserveCapacity(input.count * width)
    upper.reserveCapacity(input.count * width)
    for b in 0..<input.count {
      lower += front.lower[(b * m)..<((b + 1) * m)]
      lower += input.lower[(b * n + offset)..<((b + 1) * n)]
      upper += front.upper[(b * m)..<((b + 1) * m)]
      upper += input.upper[(b * n + offset)..<((b + 1) * n)]
    }
    return BoxBatch(count: input.count, width: width, lower: lower, upper: upper)
  }
}

/// CROWN's step through a lifted layer: each row `[Λ_f, Λ_s]` becomes `[Λ_f', Λ_s]`, `Λ_f'` the
/// inner layer's substitution of `Λ_f`; the carried coefficients are copied, exactly.
struct LiftedLinearization: FastLinearization {
  let inner: any FastLinearization
  let innerInput: Int, innerOutput: Int, passthrough: Int

  func substitute(rows: ArraySlice<Int>, gamma: inout [Double], _ workspace: FastWorkspace) {
    let count = rows.count, p = passthrough
    let wideOut = innerOutput + p, wideIn = innerInput + p
    // Keep the carried coefficients, then pack the front ones as the inner layer expects them
    // (row-major, `innerOutput` per row): moving left row by row never overwrites an unread one.
    let lambda = workspace.existing(.lambda, count: count * wideOut)
    var carried = [Double](repeating: 0, count: count * p)
    for s in 0..<count {
      for j in 0..<p { carried[s * p + j] = lambda[s * wideOut + innerOutput + j] }
      if s > 0 { for j in 0..<innerOutput { lambda[s * innerOutput + j] = lambda[s * wideOut + j] } }
    }
    inner.substitute(rows: rows, gamma: &gamma, workspace)
    // The inner result (in `.lambda`, wherever the inner layer left it), widened into `.product`,
    // which then becomes `.lambda`, as the layers' own steps do.
    let packed = UnsafePointer(workspace.existing(.lambda, count: count * innerInput))
    let result = workspace.buffer(.product, count: count * wideIn)
    for s in 0..<count {
      for j in 0..<innerInput { result[s * wideIn + j] = packed[s * innerInput + j] }
      for j in 0..<p { result[s * wideIn + innerInput + j] = carried[s * p + j] }
    }
    workspace.swap(.lambda, .product)
  }
}
