// The backward steps of `FastBounds+Windows.swift` for the layers a CNN's receptive fields pass
// through: a convolution, a max pool and a ReLU, each on patches (`PixelWindow`). Each is its
// full-row step (`substitute(rows:gamma:_:)`) restricted to the window's entries, with the same
// error terms; the comments of the full-row steps say why those hold.

extension SparseAffineLinearization: WindowedLinearization {
  /// The pixels of the input that a window of outputs reads, clipped to the image (padding reads
  /// nothing). Only for a convolution (`FastBounds.windowShapes` checks).
  func inputWindow(of window: PixelWindow) -> PixelWindow {
    let g = map.convolution!
    let top = max(0, window.top * g.stride - g.padding), left = max(0, window.left * g.stride - g.padding)
    let bottom = min(g.input.height, (window.bottom - 1) * g.stride - g.padding + g.size)
    let right = min(g.input.width, (window.right - 1) * g.stride - g.padding + g.size)
    return PixelWindow(top: top, bottom: max(top, bottom), left: left, right: max(left, right))
  }

  /// `Λ' = Λ W` by scattering each non-zero `P_o` times its kernel into the input patch: every
  /// input collects at most `c` products (the longest column), in some order, as the full step.
  func substitute(
    rows: ArraySlice<Int>, windows: [PixelWindow], inputWindows: [PixelWindow], outputStride: Int, inputStride: Int,
    shape: ImageShape, gamma: inout [Double], _ workspace: FastWorkspace
  ) {
    let g = map.convolution!
    let input = g.input, output = g.output
    let p = UnsafePointer(workspace.existing(.lambda, count: rows.count * outputStride))
    let product = workspace.buffer(.product, count: rows.count * inputStride)
    g.kernel.withUnsafeBufferPointer { kernelBuffer in
      let kernel = kernelBuffer.baseAddress!
      for (s, b) in rows.enumerated() {
        let row = p + s * outputStride, out = product + s * inputStride
        let window = windows[s], target = inputWindows[s]
        out.update(repeating: 0, count: target.count(input))
        var dot = 0.0, dotAbsolute = 0.0, weighted = 0.0, slack = 0.0
        var k = 0
        for o in 0..<output.channels {
          for i in window.top..<window.bottom {
            for j in window.left..<window.right {
              let po = row[k]
              k += 1
              if po == 0 { continue }
              let flat = (o * output.height + i) * output.width + j
              let bias = po >= 0 ? map.biasLower[flat] : map.biasUpper[flat]
              dot += po * bias
              dotAbsolute += (po * bias).magnitude
              weighted += po.magnitude * map.rowAbsoluteSum[flat]
              slack += po.magnitude * map.slack[flat]
              g.scatter(po, channel: o, row: i, column: j, kernel: kernel, into: out, over: target)
            }
          }
        }
        gamma[s] = substitutedGamma(gamma[s], dot: dot, dotAbsolute: dotAbsolute, weighted: weighted, slack: slack, largest: largest[b])
      }
    }
    workspace.swap(.lambda, .product)
  }
}

extension MaxPoolLinearization: WindowedLinearization {
  func inputWindow(of window: PixelWindow) -> PixelWindow {
    let s = layer.stride, k = layer.size
    return PixelWindow(top: window.top * s, bottom: (window.bottom - 1) * s + k, left: window.left * s, right: (window.right - 1) * s + k)
  }

  /// Each coefficient moved onto its window's best input, or into the constant, as the full step.
  func substitute(
    rows: ArraySlice<Int>, windows: [PixelWindow], inputWindows: [PixelWindow], outputStride: Int, inputStride: Int,
    shape: ImageShape, gamma: inout [Double], _ workspace: FastWorkspace
  ) {
    let m = layer.outputWidth, n = layer.inputWidth
    let input = layer.input, output = layer.output
    let lambda = UnsafePointer(workspace.existing(.lambda, count: rows.count * outputStride))
    let product = workspace.buffer(.product, count: rows.count * inputStride)
    let outputs = DotProductError(length: m), sums = DotProductError(length: max(1, overlap))
    for (s, b) in rows.enumerated() {
      let row = lambda + s * outputStride, out = product + s * inputStride
      let window = windows[s], target = inputWindows[s]
      out.update(repeating: 0, count: target.count(input))
      var constant = 0.0, constantAbsolute = 0.0, moved = 0.0
      var k = 0
      for c in 0..<output.channels {
        for i in window.top..<window.bottom {
          for j in window.left..<window.right {
            let l = row[k]
            k += 1
            if l == 0 { continue }
            let q = b * m + (c * output.height + i) * output.width + j
            if l >= 0 || dominates[q] {
              let y = i * layer.stride + Int(bestRow[q]), x = j * layer.stride + Int(bestColumn[q])
              out[(c * target.height + y - target.top) * target.width + x - target.left] += l
              moved += l.magnitude
            } else {
              constant += l * upper[q]
              constantAbsolute += (l * upper[q]).magnitude
            }
          }
        }
      }
      let g = MaxPoolLinearization.substitutedConstant(
        gamma[s], constant: constant, constantAbsolute: constantAbsolute, moved: moved, largest: largest[b],
        inputs: n, overlap: overlap, outputs: outputs, sums: sums)
      gamma[s] = finite[b] && g.isFinite ? g : .nan
    }
    workspace.swap(.lambda, .product)
  }
}

extension ReLUTable: WindowedLinearization {
  func inputWindow(of window: PixelWindow) -> PixelWindow { window }

  /// The full step on the window's entries, in place. The tables come from `init(bounds:)`
  /// (`FastBounds.windowedIdentityBackward` builds them), so no shift `σ` makes a zero outside
  /// the window non-zero.
  func substitute(
    rows: ArraySlice<Int>, windows: [PixelWindow], inputWindows: [PixelWindow], outputStride: Int, inputStride: Int,
    shape: ImageShape, gamma: inout [Double], _ workspace: FastWorkspace
  ) {
    precondition(outputStride == inputStride && shape.count == width, "ReLUTable: patches of another shape")
    let n = width
    let error = DotProductError(length: n)
    let lambda = workspace.existing(.lambda, count: rows.count * outputStride)
    for (s, b) in rows.enumerated() {
      let row = lambda + s * outputStride, window = windows[s]
      var interceptSum = 0.0, chordSum = 0.0, reachSum = 0.0, coefficientSum = 0.0
      var k = 0
      for c in 0..<shape.channels {
        for i in window.top..<window.bottom {
          let base = b * n + (c * shape.height + i) * shape.width
          for q in (base + window.left)..<(base + window.right) {
            let l = row[k], positive = l >= 0
            let pj = l * (positive ? slopePositive[q] : slopeNegative[q])
            row[k] = pj + shift[q]
            let z = positive ? lowerReach[q] : reach[q]
            interceptSum += positive ? 0 : -l * intercept[q]
            chordSum += pj.magnitude * z
            reachSum += z
            coefficientSum += l.magnitude
            k += 1
          }
        }
      }
      let g = ReLUTable.substitutedGamma(gamma[s], interceptSum: interceptSum, chordSum: chordSum, reachSum: reachSum, error: error)
      gamma[s] = finite[b] && g.isFinite && coefficientSum.isFinite ? g : .nan
    }
  }
}
