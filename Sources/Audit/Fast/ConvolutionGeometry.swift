/// A convolution's shape and kernel beside its sparse rows (`SparseAffineLayer.conv2d`), so that
/// the fast tier's backward substitution `Λ ↦ Λ W` runs as one matrix product per group of rows
/// (`cblas_dgemm`) and a scatter of its columns, instead of a scatter through the row index per
/// coefficient. Worth it for dense rows only: a row with few non-zero coefficients (an identity
/// row CROWN starts from) stays with the scatter, which skips the zeros. The result is the same sums of the same products, in another order; the error
/// bound of `SparseAffineLinearization` holds for any order (`DotProductError`).
struct ConvolutionGeometry: Sendable {
  let input: ImageShape, output: ImageShape
  let size: Int, stride: Int, padding: Int
  /// `[outChannels, inChannels · size · size]`, row-major: the trainer's `[out, in, kh, kw]`,
  /// exact (Float32 weights widened).
  let kernel: [Double]

  /// Rows at a time in one product: the columns take `rows · C k² · OH OW` Doubles.
  private var rowsPerProduct: Int { max(1, (1 << 20) / max(1, input.channels * size * size * output.height * output.width)) }

  /// `out_r = Λ_r W` for the rows `rows` of `lambda` (`[·, O·OH·OW]`), into the same rows of `out`
  /// (`[·, C·H·W]`).
  func pullBack(_ lambda: UnsafePointer<Double>, rows selected: [Int], into out: UnsafeMutablePointer<Double>, _ workspace: FastWorkspace) {
    let plane = output.height * output.width, m = output.channels * plane, n = input.count
    let taps = input.channels * size * size
    let group = rowsPerProduct
    let regrouped = workspace.buffer(.convolutionRows, count: output.channels * group * plane)
    let columns = workspace.buffer(.convolutionColumns, count: taps * group * plane)
    var first = 0
    while first < selected.count {
      let rows = min(group, selected.count - first)
      // Λ regrouped as [O, rows · plane], so that one product serves every row of the group.
      for r in 0..<rows {
        for o in 0..<output.channels {
          (regrouped + (o * rows + r) * plane).update(from: lambda + selected[first + r] * m + o * plane, count: plane)
        }
      }
      // Columns [C k², rows · plane] = Kᵀ [C k², O] · Λ [O, rows · plane].
      kernel.withUnsafeBufferPointer { k in
        DoubleMatrix.multiplyLeftTransposed(k.baseAddress!, regrouped, into: columns, m: taps, n: rows * plane, k: output.channels)
      }
      for r in 0..<rows { scatter(columns, row: r, rows: rows, into: out + selected[first + r] * n) }
      first += rows
    }
  }

  /// Adds each column entry `(c, p, q)` at output pixel `(i, j)` to input `(c, s i + p − pad,
  /// s j + q − pad)`, after zeroing `out`; reads in the padding are dropped (those inputs are 0).
  private func scatter(_ columns: UnsafePointer<Double>, row r: Int, rows: Int, into out: UnsafeMutablePointer<Double>) {
    let plane = output.height * output.width
    for i in 0..<input.count { out[i] = 0 }
    for c in 0..<input.channels {
      for p in 0..<size {
        for q in 0..<size {
          let tap = (c * size + p) * size + q
          let source = columns + (tap * rows + r) * plane
          for i in 0..<output.height {
            let h = stride * i + p - padding
            guard h >= 0 && h < input.height else { continue }
            let target = out + (c * input.height + h) * input.width
            for j in 0..<output.width {
              let w = stride * j + q - padding
              if w >= 0 && w < input.width { target[w] += source[i * output.width + j] }
            }
          }
        }
      }
    }
  }

  /// Adds `p` times output `o`'s kernel (flat `o = (k · OH + i) · OW + j`) to the inputs it reads,
  /// `out` a full input row: the products of the row's stored entries, kernel line by kernel line.
  func addKernel(_ p: Double, output o: Int, into out: UnsafeMutablePointer<Double>) {
    let plane = output.height * output.width
    let whole = PixelWindow(top: 0, bottom: input.height, left: 0, right: input.width)
    kernel.withUnsafeBufferPointer { weights in
      scatter(p, channel: o / plane, row: (o % plane) / output.width, column: o % output.width, kernel: weights.baseAddress!, into: out, over: whole)
    }
  }

  /// Adds `p` times output channel `o`'s kernel at output pixel `(y, x)` into `out`, a patch of
  /// the input over `target` (`[channels, target.height, target.width]`, which holds every input
  /// the pixel reads): one coefficient's share of `Λ W`, kernel taps in the padding skipped. The
  /// one scatter of the full-row, patch and fused steps (`kernel` is `self.kernel`'s storage).
  @inline(__always)
  func scatter(
    _ p: Double, channel o: Int, row y: Int, column x: Int, kernel: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
    over target: PixelWindow
  ) {
    let pFirst = max(0, padding &- y &* stride), pEnd = min(size, input.height &+ padding &- y &* stride)
    let qFirst = max(0, padding &- x &* stride), qEnd = min(size, input.width &+ padding &- x &* stride)
    guard pFirst < pEnd && qFirst < qEnd else { return }
    let kernelRow = kernel + o &* (input.channels &* size &* size)
    let column: Int = x &* stride &- padding &- target.left
    for c in 0..<input.channels {
      for pp in pFirst..<pEnd {
        let h: Int = y &* stride &+ pp &- padding
        let lineStart: Int = (c &* target.height &+ h &- target.top) &* target.width
        let line = out + (lineStart &+ column)
        let weights = kernelRow + (c &* size &+ pp) &* size
        for qq in qFirst..<qEnd { line[qq] += p * weights[qq] }
      }
    }
  }
}
