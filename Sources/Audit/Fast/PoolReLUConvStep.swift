// CROWN's backward step through `conv → relu → maxpool` (top to bottom: the pool's output rows
// become rows on the convolution's input) in one pass over the pool's non-zero coefficients.
//
// The three patch steps of `WindowedLinearizations.swift` each sweep a whole patch: the pool's
// input patch is zeroed and filled at one entry in four, the ReLU scales every entry, the
// convolution scans every entry for the non-zero ones. Where the pool's windows do not overlap
// (stride ≥ size), each ReLU entry receives at most one coefficient, exactly the pool's (a sum
// of one term onto 0 is exact). So each non-zero coefficient is followed down on its own: moved
// onto its window's best input (or into the constant), scaled by that ReLU's slope, and its
// kernel scattered into the convolution's input patch. The products, sums and error terms are
// those of the three steps (`MaxPoolLinearization.substitutedConstant`, the ReLU's and the
// convolution's), over the same non-zero entries in another order; every error term holds for
// any summation order (`DotProductError`), and an entry with coefficient 0 contributes nothing
// to any of them (its products are exact zeros; in CROWN's tables `shift` and `lowerReach` are 0).

/// The fused step; nil unless the three linearizations fit (`init`).
struct PoolReLUConvStep {
  let pool: MaxPoolLinearization
  let relu: ReLUTable
  let conv: SparseAffineLinearization
  let geometry: ConvolutionGeometry

  /// `pool` over `relu` over `conv` (layers `l`, `l − 1`, `l − 2`), with windows that do not
  /// overlap, the ReLU as wide as the pool's input and the convolution's output that input.
  /// Only for CROWN's own ReLU tables (no shifts, no fractional lower slopes).
  init?(pool: any FastLinearization, relu: any FastLinearization, conv: any FastLinearization) {
    guard let pool = pool as? MaxPoolLinearization, let relu = relu as? ReLUTable, relu.isPlain,
      let conv = conv as? SparseAffineLinearization, let geometry = conv.map.convolution,
      pool.layer.stride >= pool.layer.size, pool.overlap == 1,
      geometry.output == pool.layer.input, relu.width == pool.layer.inputWidth
    else { return nil }
    self.pool = pool
    self.relu = relu
    self.conv = conv
    self.geometry = geometry
  }

  func inputWindow(of window: PixelWindow) -> PixelWindow {
    conv.inputWindow(of: pool.inputWindow(of: window))
  }

  /// The rows of `.lambda` are patches of the pool's output over `windows` (at `s · outputStride`);
  /// on exit patches of the convolution's input over `inputWindows` (at `s · inputStride`).
  func substitute(
    rows: ArraySlice<Int>, windows: [PixelWindow], inputWindows: [PixelWindow], outputStride: Int, inputStride: Int,
    gamma: inout [Double], _ workspace: FastWorkspace
  ) {
    let g = geometry, map = conv.map
    let poolOutput = pool.layer.output, poolStride = pool.layer.stride
    let reluShape = pool.layer.input, input = g.input
    let mPool = pool.layer.outputWidth, nReLU = relu.width
    let lambda = UnsafePointer(workspace.existing(.lambda, count: rows.count * outputStride))
    let product = workspace.buffer(.product, count: rows.count * inputStride)
    let poolOutputs = DotProductError(length: mPool), poolSums = DotProductError(length: 1)
    let reluError = DotProductError(length: nReLU)
    let biasLower = map.biasLower, biasUpper = map.biasUpper, rowAbsoluteSum = map.rowAbsoluteSum, mapSlack = map.slack
    let dominates = pool.dominates, poolUpper = pool.upper, bestRow = pool.bestRow, bestColumn = pool.bestColumn
    g.kernel.withUnsafeBufferPointer { kernelBuffer in
      let kernel = kernelBuffer.baseAddress!
      for (s, b) in rows.enumerated() {
        let row = lambda + s * outputStride, out = product + s * inputStride
        let window = windows[s], target = inputWindows[s]
        out.update(repeating: 0, count: target.count(input))
        var constant = 0.0, constantAbsolute = 0.0, moved = 0.0  // the pool's
        var interceptSum = 0.0, chordSum = 0.0, reachSum = 0.0, coefficientSum = 0.0  // the ReLU's
        var dot = 0.0, dotAbsolute = 0.0, weighted = 0.0, slack = 0.0  // the convolution's
        var k = 0
        for c in 0..<poolOutput.channels {
          for i in window.top..<window.bottom {
            for j in window.left..<window.right {
              let l = row[k]
              k &+= 1
              if l == 0 { continue }
              let q = b &* mPool &+ (c &* poolOutput.height &+ i) &* poolOutput.width &+ j
              guard l >= 0 || dominates[q] else {
                constant += l * poolUpper[q]
                constantAbsolute += (l * poolUpper[q]).magnitude
                continue
              }
              moved += l.magnitude
              let y = i &* poolStride &+ Int(bestRow[q]), x = j &* poolStride &+ Int(bestColumn[q])
              let flat = (c &* reluShape.height &+ y) &* reluShape.width &+ x  // the ReLU's and the convolution's output
              let r = b &* nReLU &+ flat
              let positive = l >= 0
              let pj = l * (positive ? relu.slopePositive[r] : relu.slopeNegative[r])
              let z = positive ? relu.lowerReach[r] : relu.reach[r]
              interceptSum += positive ? 0 : -l * relu.intercept[r]
              chordSum += pj.magnitude * z
              reachSum += z
              coefficientSum += l.magnitude
              let po = pj + relu.shift[r]
              if po == 0 { continue }
              let bias = po >= 0 ? biasLower[flat] : biasUpper[flat]
              dot += po * bias
              dotAbsolute += (po * bias).magnitude
              weighted += po.magnitude * rowAbsoluteSum[flat]
              slack += po.magnitude * mapSlack[flat]
              g.scatter(po, channel: c, row: y, column: x, kernel: kernel, into: out, over: target)
            }
          }
        }
        var value = MaxPoolLinearization.substitutedConstant(
          gamma[s], constant: constant, constantAbsolute: constantAbsolute, moved: moved, largest: pool.largest[b],
          inputs: pool.layer.inputWidth, overlap: pool.overlap, outputs: poolOutputs, sums: poolSums)
        value = pool.finite[b] && value.isFinite ? value : .nan
        value = ReLUTable.substitutedGamma(
          value, interceptSum: interceptSum, chordSum: chordSum, reachSum: reachSum, error: reluError)
        value = relu.finite[b] && value.isFinite && coefficientSum.isFinite ? value : .nan
        gamma[s] = conv.substitutedGamma(
          value, dot: dot, dotAbsolute: dotAbsolute, weighted: weighted, slack: slack, largest: conv.largest[b])
      }
    }
    workspace.swap(.lambda, .product)
  }
}
