/// # Audit: sound robustness bounds and gradient audits
///
/// A trained network is certified robust at an input when no point of the L∞ ball of radius ε
/// around it (clipped to the pixel range [0, 1]) can change its class. This module computes lower
/// bounds on the margins `z_true − z_j` over the ball and certifies the input when every one is
/// positive. Every bound is sound: it holds for the exact real-number network, whatever floating
/// point does (Docs/Audits.md, "Soundness").
///
/// Contents, in the order data flows:
///
/// | file | what it holds |
/// |---|---|
/// | `NumPy/` | `NumPyArray` (`.npy`) and `NumPyArchive` (`.npz`: our zip reader, zlib's inflate and CRC-32) |
/// | `Network/` | `DenseLayer`, `DenseNetwork` (Float32 weights, `[out, in]`), `LayerNetwork` (bound layers, a dense head), exact evaluation |
/// | `Layers/` | `BoundLayer`: each layer kind's exact meaning, IBP and CROWN step (dense, relu, sparse affine — conv2d, pooling, batch norm, flatten — and max pool) |
/// | `Robustness/InputBox.swift` | the clipped ball as an exact box of rationals |
/// | `Bounds/` | the exact (`Rational`) and MPFI tiers: `BoundArithmetic`, IBP and CROWN over it |
/// | `Fast/` | the Float64 tier on BLAS with rigorous rounding-error terms: `FastBounds`, each layer's `FastTransformer` |
/// | `Robustness/` | `AuditDataset`, `RobustnessAudit` (certified accuracy per ε), the report |
///
/// Errors are `AuditError`.
public enum Audits {
  /// The version of the bound definitions (IBP, CROWN with adaptive lower slopes and intermediate
  /// bounds from the intersection of IBP and CROWN). Reports carry it.
  public static let definitionsVersion = 1
}
