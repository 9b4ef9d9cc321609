internal import COpenBLAS

extension DenseLayer: FastBoundLayer {
  func fastTransformer() -> any FastTransformer { FastAffine(layer: self) }
}

extension FastAffine: FastTransformer {
  var affineRows: FastAffine? { self }

  func linearization(on input: BoxBatch) -> any FastLinearization {
    precondition(input.width == inputWidth, "dense: \(input.width) inputs, the layer takes \(inputWidth)")
    // H: the largest |x_i| of each box, which bounds what the product's rounding can cost.
    return AffineLinearization(map: self, largest: largestMagnitudes(input))
  }

  func forward(_ x: [Double]) -> [Double] {
    var y = biasLower  // z = W x + b, by BLAS (the search needs no particular rounding)
    cblas_dgemv(
      CblasRowMajor, CblasNoTrans, Int32(outputWidth), Int32(inputWidth), 1, weights, Int32(inputWidth), x, 1, 1, &y, 1)
    return y
  }

  func pullback(_ dy: [Double], at x: [Double]) -> [Double] {
    var dx = [Double](repeating: 0, count: inputWidth)  // Wᵀ dy
    cblas_dgemv(
      CblasRowMajor, CblasTrans, Int32(outputWidth), Int32(inputWidth), 1, weights, Int32(inputWidth), dy, 1, 0, &dx, 1)
    return dx
  }
}

/// The substitution `z = W x + b` for a batch's rows. With `P` the coefficients on `z`:
/// `Σ_j P_j b_j` is a dot product, lower-bounded by its computed value minus `γ_n Σ|P_j b_j| + τ_n`;
/// the new `Λ' = fl(P W)` differs from `P W` by at most `γ_n |P| |W| + τ_n` entrywise, and
/// `|x_i| ≤ H` on the box, which costs `γ_n H Σ_j |P_j| A_j + τ_n n' H`.
struct AffineLinearization: FastLinearization {
  let map: FastAffine
  /// Per box, `H ≥ max_i |x_i|`.
  let largest: [Double]

  func substitute(rows: ArraySlice<Int>, gamma: inout [Double], _ workspace: FastWorkspace) {
    let n = map.outputWidth, nIn = map.inputWidth
    let error = map.outputError  // the dot products run over the n outputs
    let p = UnsafePointer(workspace.existing(.lambda, count: rows.count * n))
    let gemmTail = (error.tail * Double(nIn)).nextUp  // τ_n n' (its factor H applied per row)
    let biasValues = map.biasLower  // exact for a network layer: biasLower == biasUpper
    biasValues.withUnsafeBufferPointer { biasBuffer in
      map.rowAbsoluteSum.withUnsafeBufferPointer { rowSumBuffer in
        let bias = biasBuffer.baseAddress!, rowSum = rowSumBuffer.baseAddress!
        for (s, b) in rows.enumerated() {
          let row = p + s * n
          var dot = SIMD8<Double>(repeating: 0), dotAbsolute = SIMD8<Double>(repeating: 0)
          var weighted = SIMD8<Double>(repeating: 0)
          var j = 0
          while j + 8 <= n {
            let pj = load8(row, j)
            let pb = pj * load8(bias, j)
            dot += pb
            dotAbsolute += magnitude8(pb)
            weighted += magnitude8(pj) * load8(rowSum, j)
            j += 8
          }
          var dotSum = dot.sum(), dotAbsoluteSum = dotAbsolute.sum(), weightedSum = weighted.sum()
          while j < n {
            let pb = row[j] * bias[j]
            dotSum += pb
            dotAbsoluteSum += pb.magnitude
            weightedSum += row[j].magnitude * rowSum[j]
            j += 1
          }
          let h = largest[b]
          // Σ P_j b_j ≥ fl(·) − (γ_n Σ|P_j b_j| + τ_n)
          let biasTerm = (dotSum - error.error(absoluteSum: error.upperBoundOfNonnegative(dotAbsoluteSum))).nextDown
          // the product P W: γ_n H Σ_j |P_j| A_j + τ_n n' H
          let productTerm = (((error.gamma * error.upperBoundOfNonnegative(weightedSum)).nextUp * h).nextUp
            + (gemmTail * h).nextUp).nextUp
          let g = ((gamma[s] + biasTerm).nextDown - productTerm).nextDown
          gamma[s] = g.isFinite ? g : .nan
        }
      }
    }
    // Λ' = P W: [rows, n] × [n, n'].
    let product = workspace.buffer(.product, count: rows.count * nIn)
    map.weights.withUnsafeBufferPointer { w in
      DoubleMatrix.multiply(p, w.baseAddress!, into: product, m: rows.count, n: nIn, k: n)
    }
    workspace.swap(.lambda, .product)
  }
}
