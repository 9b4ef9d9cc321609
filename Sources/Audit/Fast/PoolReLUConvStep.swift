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
  /// Per box and pool output (`b · m + o`), the pool's and the ReLU's tables gathered where its
  /// coefficient goes, so the loop reads one entry per coefficient instead of nine scattered ones.
  let paths: [Path]

  /// Where a pool output's coefficient `λ` goes: for `λ ≥ 0`, or `λ < 0` where the window's best
  /// input dominates, onto that input `(row, column)` of the ReLU times `positive` (the lower
  /// slope) or `negative` (the chord's slope, with its `intercept` and `reach`); else `λ · upper`
  /// into the constant (`negative` is −1 there, never a slope).
  struct Path {
    var row: Int32, column: Int32
    var positive: Double, negative: Double, intercept: Double, reach: Double, upper: Double
  }

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
    let output = pool.layer.output, input = pool.layer.input, stride = pool.layer.stride
    let m = pool.layer.outputWidth, n = relu.width
    var paths: [Path] = []
    paths.reserveCapacity(pool.largest.count * m)
    for b in 0..<pool.largest.count {
      for c in 0..<output.channels {
        for i in 0..<output.height {
          for j in 0..<output.width {
            let q = b * m + (c * output.height + i) * output.width + j
            let y = i * stride + Int(pool.bestRow[q]), x = j * stride + Int(pool.bestColumn[q])
            let r = b * n + (c * input.height + y) * input.width + x
            paths.append(Path(
              row: Int32(y), column: Int32(x), positive: relu.slopePositive[r],
              negative: pool.dominates[q] ? relu.slopeNegative[r] : -1, intercept: relu.intercept[r], reach: relu.reach[r],
              upper: pool.upper[q]))
          }
        }
      }
    }
    self.paths = paths
  }

  /// The fused steps of `linearizations` (layers `0...`), at the index of each pool that fuses
  /// with the ReLU and the convolution below it: built once for all the rows of a pass.
  static func steps(_ linearizations: [any FastLinearization]) -> [PoolReLUConvStep?] {
    linearizations.indices.map { l in
      l >= 2 ? PoolReLUConvStep(pool: linearizations[l], relu: linearizations[l - 1], conv: linearizations[l - 2]) : nil
    }
  }

  func inputWindow(of window: PixelWindow) -> PixelWindow {
    conv.inputWindow(of: pool.inputWindow(of: window))
  }

  /// The rows of `.lambda` are patches of the pool's output over `windows` (at `s · outputStride`);
  /// on exit patches of the convolution's input over `inputWindows` (at `s · inputStride`).
  /// Per coefficient, the three steps' products and sums (`MaxPoolLinearization.substitute`,
  /// `ReLUTable.substitute` and the convolution's) in their order; with CROWN's own tables the
  /// ReLU's lower slope is 0 or 1 (exact, `lowerReach` 0) and its shift 0, so a coefficient `λ ≥ 0`
  /// adds nothing to the ReLU's intercept, chord and reach sums.
  func substitute(
    rows: ArraySlice<Int>, windows: [PixelWindow], inputWindows: [PixelWindow], outputStride: Int, inputStride: Int,
    gamma: inout [Double], _ workspace: FastWorkspace
  ) {
    let g = geometry, map = conv.map
    let poolOutput = pool.layer.output
    let reluShape = pool.layer.input, input = g.input
    let mPool = pool.layer.outputWidth, nReLU = relu.width
    let lambda = UnsafePointer(workspace.existing(.lambda, count: rows.count * outputStride))
    let product = workspace.buffer(.product, count: rows.count * inputStride)
    let poolOutputs = DotProductError(length: mPool), poolSums = DotProductError(length: 1)
    let reluError = DotProductError(length: nReLU)
    g.kernel.withUnsafeBufferPointer { kernelBuffer in
    paths.withUnsafeBufferPointer { pathBuffer in
    map.biasLower.withUnsafeBufferPointer { biasLower in
    map.biasUpper.withUnsafeBufferPointer { biasUpper in
    map.rowAbsoluteSum.withUnsafeBufferPointer { rowAbsoluteSum in
    map.slack.withUnsafeBufferPointer { mapSlack in
      let kernel = kernelBuffer.baseAddress!
      for (s, b) in rows.enumerated() {
        let row = lambda + s * outputStride, out = product + s * inputStride
        let window = windows[s], target = inputWindows[s]
        let boxPaths = pathBuffer.baseAddress! + b * mPool
        out.update(repeating: 0, count: target.count(input))
        var constant = 0.0, constantAbsolute = 0.0, moved = 0.0  // the pool's
        var interceptSum = 0.0, chordSum = 0.0, reachSum = 0.0, coefficientSum = 0.0  // the ReLU's
        var dot = 0.0, dotAbsolute = 0.0, weighted = 0.0, slack = 0.0  // the convolution's
        var k = 0
        for c in 0..<poolOutput.channels {
          for i in window.top..<window.bottom {
            let lineStart = (c &* poolOutput.height &+ i) &* poolOutput.width
            for j in window.left..<window.right {
              let l = row[k]
              k &+= 1
              if l == 0 { continue }
              let path = boxPaths[lineStart &+ j]
              let po: Double
              if l >= 0 {
                moved += l
                coefficientSum += l
                po = l * path.positive
              } else if path.negative >= 0 {
                moved += l.magnitude
                let pj = l * path.negative, z = path.reach
                interceptSum += -l * path.intercept
                chordSum += pj.magnitude * z
                reachSum += z
                coefficientSum += l.magnitude
                po = pj + 0  // as the ReLU's `P + σ` with σ = 0: −0 becomes +0
              } else {
                constant += l * path.upper
                constantAbsolute += (l * path.upper).magnitude
                continue
              }
              if po == 0 { continue }
              let y = Int(path.row), x = Int(path.column)
              let flat = (c &* reluShape.height &+ y) &* reluShape.width &+ x  // the ReLU's and the convolution's output
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
    }
    }
    }
    }
    }
    workspace.swap(.lambda, .product)
  }
}
