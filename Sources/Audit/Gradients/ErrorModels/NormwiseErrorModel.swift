import Train

/// Norm-wise error bounds (Docs/Audits.md, "Norm-wise bounds"). Next to each entrywise bound
/// `E_v`, the propagation carries for every row of a value (a token's features, or a whole example
/// when the value is not `[T, d]`) a bound `N` on the ℓ2 norm of that row's error. A dense layer
/// then moves it by `‖W‖₂` (`SpectralNorm`) where the entrywise bound moves by `max_i Σ_j |W_ij|`,
/// up to `√n` times more at every layer. Both bounds are sound, so each is tightened by the other:
/// `N ≤ ‖E_row‖₂`, and every entry `E_i ≤ N` (`|e_i| ≤ ‖e‖₂`).
///
/// A layer without this conformance gets `N = ‖E_row‖₂` from its entrywise bound.
protocol NormwiseErrorModel {
  /// Per output row, a bound on `‖ŷ_row − y_row‖₂`, given the entrywise bounds `input` and the
  /// per-row norms `inputNorms` of its Float32 input (at `p.errors[k]`, `p.norms[k]`).
  func forwardNorms(at k: Int, input: [Double], inputNorms: [Double], _ p: ErrorPropagation) -> [Double]

  /// Per input row, a bound on `‖d̂x_row − dx_row‖₂`, given the entrywise bounds `dy` and the
  /// per-row norms `dyNorms` of its Float32 output gradient.
  func backwardNorms(at k: Int, dy: [Double], dyNorms: [Double], _ p: ErrorPropagation) -> [Double]
}

/// The same for a two-input layer (`add`).
protocol NormwiseBinaryErrorModel {
  func forwardNorms(at k: Int, x: Int, z: Int, _ p: ErrorPropagation) -> [Double]
}

/// An error bound, entrywise and per row.
struct RowErrors {
  var entries: [Double]
  var norms: [Double]
  let row: Int

  /// `norms` tightened by the rows' ℓ2 norms of `entries` (and by `model`'s, if any), then each entry
  /// by its row's norm.
  init(_ entries: [Double], row: Int, model: [Double]? = nil) {
    self.row = row
    var norms = Normwise.rowNorms(entries, row: row)
    if let model { norms = zip(norms, model).map { Normwise.tighter($0, $1) } }
    self.norms = norms
    self.entries = entries.indices.map { Normwise.tighter(entries[$0], norms[$0 / row]) }
  }
}

enum Normwise {
  /// The smaller of two upper bounds, where NaN (an overflowed bound) says nothing: the other one
  /// (NaN only if both are).
  static func tighter(_ a: Double, _ b: Double) -> Double {
    if a.isNaN { return b }
    if b.isNaN { return a }
    return a < b ? a : b
  }

  /// The ℓ2 norm of each row of `row` entries, rounded up (NaN if a row holds a NaN).
  static func rowNorms(_ e: [Double], row: Int) -> [Double] {
    stride(from: 0, to: e.count, by: row).map { base in
      var s = 0.0
      for i in base..<min(base + row, e.count) { s += e[i] * e[i] }
      return (s.squareRoot() * GradientErrorBound.safety).nextUp
    }
  }

  /// The entries of a row of a value: its features for a `[T, d]` value, else the whole example.
  static func rowLength(_ shape: [Int]) -> Int { shape.count == 2 ? shape[1] : shape.reduce(1, *) }

  /// Row lengths of a model's values (0 the input, `k + 1` layer `k`'s output).
  static func rowLengths(_ model: Sequential) -> [Int] {
    [rowLength(model.layers[0].inputShape)] + model.layers.map { rowLength($0.outputShape) }
  }

  /// Per row, `a · N + ‖ρ_row‖₂`: a map of norm at most `a` applied to the input error, plus a
  /// rounding vector bounded entrywise by `rounding`.
  static func affine(_ a: Double, _ norms: [Double], rounding: [Double], row: Int) -> [Double] {
    zip(norms, rowNorms(rounding, row: row)).map { (a * $0 + $1) * GradientErrorBound.safety }
  }
}

extension ErrorPropagation {
  /// `norms[k]`'s row `r`, `∞` where no norms were propagated (a caller that runs the entrywise
  /// models alone).
  func norm(_ k: Int, row r: Int) -> Double {
    k < norms.count && r < norms[k].count ? norms[k][r] : .infinity
  }
}
