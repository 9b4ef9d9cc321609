/// The unfolding of an image into the columns of a matrix product (im2col) and its adjoint
/// (col2im), the work that turns a convolution into one `gemm` per image.
///
/// Row `(c K + u) K + v` of the columns holds, at column `p OW + q` of an example's block, the value
/// window `(p, q)` reads at tap `(u, v)` of channel `c`: `x[c, s p + u - pad, s q + v - pad]`, or 0
/// outside the image. Then `y[d, p, q] = sum(row) w[d, row] cols[row, (p, q)]` is the certified
/// forward formula, and `col2im`, which adds each column entry back where it was read from, is the
/// sum over windows of the certified input rule.
enum Im2Col {
  /// Writes the columns of one image `x` (`C H W` values) into `cols` (row stride `ld`), at
  /// columns `offset ..< offset + OH OW`.
  static func unfold<S: TrainScalar>(_ x: UnsafePointer<S>, _ g: WindowGeometry, into cols: UnsafeMutablePointer<S>, ld: Int, offset: Int) {
    let (oh, ow, k, s) = (g.outputHeight, g.outputWidth, g.kernel, g.stride)
    for c in 0..<g.channels {
      let plane = x + c * g.height * g.width
      for u in 0..<k {
        let rows = g.validOutputs(offset: u, size: g.height, outputs: oh)
        for v in 0..<k {
          let dst = cols + ((c * k + u) * k + v) * ld + offset
          let columns = g.validOutputs(offset: v, size: g.width, outputs: ow)
          // Plain loops rather than memset/memcpy calls: a row is a few dozen values, too short
          // for a library call to pay off.
          for p in 0..<oh {
            let out = dst + p * ow
            guard rows.contains(p) else {
              for q in 0..<ow { out[q] = 0 }
              continue
            }
            let src = plane + (s * p + u - g.padding) * g.width + (v - g.padding)
            for q in 0..<columns.lowerBound { out[q] = 0 }
            if s == 1 {
              for q in columns { out[q] = src[q] }
            } else {
              for q in columns { out[q] = src[s * q] }
            }
            for q in columns.upperBound..<ow { out[q] = 0 }
          }
        }
      }
    }
  }

  /// Adds the columns of one image back into `dx` (`C H W` values, zeroed first): the adjoint of
  /// `unfold`.
  static func fold<S: TrainScalar>(_ cols: UnsafePointer<S>, ld: Int, offset: Int, _ g: WindowGeometry, into dx: UnsafeMutablePointer<S>) {
    dx.update(repeating: 0, count: g.inputCount)
    let (oh, ow, k, s) = (g.outputHeight, g.outputWidth, g.kernel, g.stride)
    for c in 0..<g.channels {
      let plane = dx + c * g.height * g.width
      for u in 0..<k {
        let rows = g.validOutputs(offset: u, size: g.height, outputs: oh)
        for v in 0..<k {
          let src = cols + ((c * k + u) * k + v) * ld + offset
          let columns = g.validOutputs(offset: v, size: g.width, outputs: ow)
          for p in rows {
            let dst = plane + (s * p + u - g.padding) * g.width + (v - g.padding)
            let row = src + p * ow
            if s == 1 {
              for q in columns { dst[q] += row[q] }  // vectorizes
            } else {
              for q in columns { dst[s * q] += row[q] }
            }
          }
        }
      }
    }
  }
}
