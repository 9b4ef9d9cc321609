// CROWN's identity rows through a CNN's feature maps, restricted to their receptive fields.
//
// The bound of one output of a convolution starts from `±e_i`; pushed down through convolutions,
// max pools and ReLUs, the row is zero outside the pixels output `i` reads (its receptive field):
// 14 × 14 of a 28 × 28 input after two 5 × 5 convolutions and a pool, 10 × 10 of the 28 × 28 map
// in between. So each row is stored as a patch, all channels of a rectangle of pixels
// (`PixelWindow`), and every step reads and writes only patches: the same sums of the same
// products as the full rows (`FastLinearization.substitute`), without the zeros around them.
// Each step's error terms are those of the full-row step over the patch's entries only: an entry
// outside the window is an exact 0 whose products and sums round to nothing, and every
// `DotProductError` of the full step (longer sums) still bounds the shorter ones.

/// A rectangle of pixels `[top, bottom) × [left, right)` of a feature map, all its channels.
struct PixelWindow: Equatable {
  var top: Int, bottom: Int, left: Int, right: Int
  var height: Int { bottom - top }
  var width: Int { right - left }

  /// The values of a patch of `shape` over this window: `[channels, height, width]`.
  func count(_ shape: ImageShape) -> Int { shape.channels * height * width }
}

/// One layer's backward step on patches: the rows of `.lambda` are patches of the layer's output
/// over `windows` (each at `s * outputStride`); on exit they are patches of its input over the
/// returned windows (each at `s * inputStride`), `γ` lowered as in `substitute(rows:gamma:_:)`.
protocol WindowedLinearization: FastLinearization {
  /// The input window that every output of `window` reads (clipped to the input).
  func inputWindow(of window: PixelWindow) -> PixelWindow
  /// `shape` is the layer's output shape (a ReLU's input too; the other kinds know theirs).
  func substitute(
    rows: ArraySlice<Int>, windows: [PixelWindow], inputWindows: [PixelWindow], outputStride: Int, inputStride: Int,
    shape: ImageShape, gamma: inout [Double], _ workspace: FastWorkspace)
}

extension FastBounds {
  /// The feature-map shapes of layers `0...top` (each one's output, `shapes[top + 1]` the
  /// topmost), when every one of them is a convolution with its geometry, a max pool or a ReLU
  /// and they fit together; nil otherwise (the full rows are used then).
  func windowShapes(through top: Int) -> [ImageShape]? {
    guard let convolution = (body[top] as? FastSparseAffine)?.convolution else { return nil }
    var shapes = [ImageShape](repeating: convolution.output, count: top + 2)
    for l in stride(from: top, through: 0, by: -1) {
      let output = shapes[l + 1]
      if let geometry = (body[l] as? FastSparseAffine)?.convolution, geometry.output == output {
        shapes[l] = geometry.input
      } else if let pool = body[l] as? FastMaxPool, pool.layer.output == output {
        shapes[l] = pool.layer.input
      } else if body[l] is FastReLU, body[l].outputWidth == output.count {
        shapes[l] = output
      } else {
        return nil
      }
    }
    return shapes[0].count == body[0].inputWidth ? shapes : nil
  }

  /// Lower bounds of `+y_i` and `−y_i` (two per target, in that order) for the outputs
  /// `targets` (flat `b · m + i`) of layer `top`, a convolution, over each box: CROWN from the
  /// identity rows on patches. `shapes` are `windowShapes(through: top)`.
  func windowedIdentityBackward(
    targets: [Int], through top: Int, shapes: [ImageShape], nodes: [BoxBatch], _ workspace: FastWorkspace
  ) -> [Double] {
    let linearizations = (0...top).map { body[$0].linearization(on: nodes[$0]) }
    let fused = PoolReLUConvStep.steps(linearizations)
    let output = shapes[top + 1], m = output.count, plane = output.height * output.width
    var result = [Double](repeating: .nan, count: 2 * targets.count)
    // Slices small enough that a slice's patches stay in cache from layer to layer.
    let sliceTargets = 64
    var first = 0
    while first < targets.count {
      let slice = first..<min(targets.count, first + sliceTargets)
      let rows = slice.flatMap { [targets[$0] / m, targets[$0] / m] }
      var gamma = [Double](repeating: 0, count: rows.count)
      var windows: [PixelWindow] = slice.flatMap { t -> [PixelWindow] in
        let pixel = targets[t] % plane
        let window = PixelWindow(top: pixel / output.width, bottom: pixel / output.width + 1, left: pixel % output.width, right: pixel % output.width + 1)
        return [window, window]
      }
      var rowStride = output.channels
      let lambda = workspace.buffer(.lambda, count: rows.count * rowStride)
      for (s, t) in slice.enumerated() {
        let channel = (targets[t] % m) / plane
        for r in 0..<2 {
          let row = lambda + (2 * s + r) * rowStride
          for c in 0..<output.channels { row[c] = 0 }
          row[channel] = r == 0 ? 1 : -1
        }
      }
      windowedSteps(
        rows: rows[...], windows: &windows, stride: &rowStride, from: top, shapes: shapes, linearizations, fused: fused, gamma: &gamma,
        workspace)
      concretizeWindows(rows: rows, windows: windows, stride: rowStride, shape: shapes[0], gamma: gamma, input: nodes[0], workspace) {
        result[2 * first + $0] = $1
      }
      first = slice.upperBound
    }
    return result
  }

  /// The patch steps of layers `top, ..., 0` (`linearizations`, each a `WindowedLinearization`)
  /// on the rows of `.lambda`, patches over `windows` at `stride` on entry, patches of the input
  /// on exit. A max pool over a ReLU over a convolution runs as one `PoolReLUConvStep` (`fused`,
  /// `PoolReLUConvStep.steps(linearizations)`).
  func windowedSteps(
    rows: ArraySlice<Int>, windows: inout [PixelWindow], stride rowStride: inout Int, from top: Int, shapes: [ImageShape],
    _ linearizations: [any FastLinearization], fused steps: [PoolReLUConvStep?], gamma: inout [Double], _ workspace: FastWorkspace
  ) {
    var l = top
    while l >= 0 {
      if let fused = steps[l] {
        let inputWindows = windows.map { fused.inputWindow(of: $0) }
        let inputStride = inputWindows.map { $0.count(shapes[l - 2]) }.max()!
        fused.substitute(
          rows: rows, windows: windows, inputWindows: inputWindows, outputStride: rowStride, inputStride: inputStride,
          gamma: &gamma, workspace)
        windows = inputWindows
        rowStride = inputStride
        l -= 3
        continue
      }
      let step = linearizations[l] as! any WindowedLinearization
      let inputWindows = windows.map { step.inputWindow(of: $0) }
      let inputStride = inputWindows.map { $0.count(shapes[l]) }.max()!
      step.substitute(
        rows: rows, windows: windows, inputWindows: inputWindows, outputStride: rowStride, inputStride: inputStride,
        shape: shapes[l + 1], gamma: &gamma, workspace)
      windows = inputWindows
      rowStride = inputStride
      l -= 1
    }
  }

  /// For full rows (`backward`): the topmost layer `l ≤ top` that is a max pool with only
  /// convolutions, max pools and ReLUs below it, and the feature-map shapes of layers `0...l`
  /// (`shapes[k]` layer `k`'s input). Below it the rows run as patches over the whole map, where
  /// `PoolReLUConvStep` skips the zeros that max pooling leaves.
  func patchChain(below top: Int) -> (top: Int, shapes: [ImageShape])? {
    guard let first = (body[0] as? FastSparseAffine)?.convolution, first.input.count == body[0].inputWidth else { return nil }
    var shapes = [first.input]
    var found: Int?
    for l in 0...top {
      let shape = shapes[l]
      if let geometry = (body[l] as? FastSparseAffine)?.convolution, geometry.input == shape {
        shapes.append(geometry.output)
      } else if let pool = body[l] as? FastMaxPool, pool.layer.input == shape {
        shapes.append(pool.layer.output)
        found = l
      } else if body[l] is FastReLU, body[l].inputWidth == shape.count {
        shapes.append(shape)
      } else {
        break
      }
    }
    return found.map { ($0, Array(shapes[0...($0 + 1)])) }
  }

  /// `γ_r + min over the row's input box of Λ_r · x` for patch rows, rounded down; NaN where
  /// anything overflowed. As `concretize`, over the window's entries only.
  func concretizeWindows(
    rows: [Int], windows: [PixelWindow], stride: Int, shape: ImageShape, gamma: [Double], input: BoxBatch,
    _ workspace: FastWorkspace, _ write: (Int, Double) -> Void
  ) {
    let n = input.width
    let error = DotProductError(length: n)
    let lambda = UnsafePointer(workspace.existing(.lambda, count: rows.count * stride))
    var largestInput: (box: Int, value: Double) = (-1, 0)
    for (s, b) in rows.enumerated() {
      if largestInput.box != b {
        var value = 0.0
        for i in (b * n)..<((b + 1) * n) {
          value = maximumPropagatingNaN(value, maximumPropagatingNaN(input.lower[i].magnitude, input.upper[i].magnitude))
        }
        largestInput = (b, value)
      }
      let window = windows[s], row = lambda + s * stride
      var dot = 0.0, absolute = 0.0, k = 0
      for c in 0..<shape.channels {
        for h in window.top..<window.bottom {
          let base = b * n + (c * shape.height + h) * shape.width
          for w in window.left..<window.right {
            let coefficient = row[k]
            dot += coefficient * (coefficient >= 0 ? input.lower[base + w] : input.upper[base + w])
            absolute += coefficient.magnitude
            k += 1
          }
        }
      }
      // Σ|Λ_i sel_i| ≤ (Σ|Λ_i|) max|x_i|
      let bound = (error.upperBoundOfNonnegative(absolute) * largestInput.value).nextUp
      let value = ((gamma[s] + dot).nextDown - error.error(absoluteSum: bound)).nextDown
      write(s, value.isFinite ? value : .nan)
    }
  }
}
