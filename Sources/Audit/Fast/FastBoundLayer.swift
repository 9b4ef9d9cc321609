/// A layer kind with a Float64 transformer for the fast tier (`FastBounds`). Internal: the fast
/// tier's batches and scratch memory are not public types.
protocol FastBoundLayer: BoundLayer {
  /// The layer prepared for Float64 bounds (its parameters widened, error constants computed).
  func fastTransformer() -> any FastTransformer
}

/// One layer's bound computations in Float64 with rigorous rounding-error terms, for batches of
/// boxes (Docs/Audits.md, "Soundness").
protocol FastTransformer: Sendable {
  var inputWidth: Int { get }
  var outputWidth: Int { get }

  /// IBP: a box containing the layer's output for every input in each box of `input`, every
  /// rounding accounted for. A bound that overflowed is infinite, never NaN.
  func propagate(_ input: BoxBatch, _ workspace: FastWorkspace) -> BoxBatch

  /// The layer linearized on the boxes of `input` (its own input), for CROWN's backward steps.
  func linearization(on input: BoxBatch) -> any FastLinearization

  /// The layer's map as explicit rows, when it has them (a dense layer): CROWN then starts the
  /// bounds of this layer's outputs from the rows instead of from the identity pushed through it.
  var affineRows: FastAffine? { get }

  /// The layer's output at `x` in Float64, for the attack's search (no soundness needed).
  func forward(_ x: [Double]) -> [Double]
  /// `Jᵀ dy` with `J` the layer's Jacobian at `x` (for a ReLU at 0, the derivative 0).
  func pullback(_ dy: [Double], at x: [Double]) -> [Double]
}

extension FastTransformer {
  var affineRows: FastAffine? { nil }
}

/// CROWN's backward step through one layer, for the rows of a batch.
protocol FastLinearization {
  /// On entry the `.lambda` buffer of `workspace` holds `Λ` (`[rows, outputWidth]`, taken as exact
  /// values) and each row states `m(x) ≥ Λ_r · y + γ_r` for `y` the layer's output; on exit it
  /// holds `Λ'` (`[rows, inputWidth]`) with `m(x) ≥ Λ'_r · x + γ'_r` for every `x` in the row's box,
  /// every rounding moved into `γ` as a negative term. `rows[s]` is the box of row `s`; a row
  /// whose bound is lost (overflow) gets `γ = NaN`.
  func substitute(rows: ArraySlice<Int>, gamma: inout [Double], _ workspace: FastWorkspace)
}

/// The Float64 transformers of `layers` (numbered from 1 in errors).
/// - Throws: `AuditError.unsupportedLayer` for the first layer without one.
func fastTransformers(_ layers: some Sequence<any BoundLayer>) throws(AuditError) -> [any FastTransformer] {
  var result: [any FastTransformer] = []
  for (k, layer) in layers.enumerated() {
    guard let fast = layer as? any FastBoundLayer else {
      throw AuditError.unsupportedLayer(position: k + 1, kind: layer.kind, tier: "Float64")
    }
    result.append(fast.fastTransformer())
  }
  return result
}
