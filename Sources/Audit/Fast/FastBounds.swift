import Exact

import Intervals
/// IBP and CROWN bounds in Float64 on BLAS, sound for the exact real-number network: every matrix
/// product's rounding error is bounded a priori, for any summation order, FMA and threading
/// (`DotProductError`), and every other operation is rounded outward (Docs/Audits.md, "Soundness").
///
/// Boxes are processed in batches: the products over a batch are single `cblas_dgemm` calls.
///
/// ```swift
/// let fast = FastBounds(network: net)
/// let bounds = fast.crown(over: boxes, trueClasses: labels)
/// bounds.filter(\.isCertified).count
/// ```
public struct FastBounds: Sendable {
  /// The network bounded.
  public let network: LayerNetwork
  /// The transformers of the layers before the head.
  let body: [any FastTransformer]
  /// The folded head for every true class: row `t (C − 1) + r` is `W_L[t] − W_L[j_r]`.
  let margins: FastAffine
  /// The head itself, for Float64 logits.
  let head: FastAffine

  /// Images per batch: the products of a batch are one BLAS call each.
  static let batchSize = 256
  /// Images per batch where batches run in parallel (`RobustnessAudit`): small enough that two
  /// cores share 1,000 images evenly, large enough that the head's products stay BLAS calls.
  static let parallelBatchSize = 16

  /// The fast tier for `network`.
  /// - Throws: `AuditError.unsupportedLayer` for a layer with no Float64 transformer.
  public init(network: LayerNetwork) throws(AuditError) {
    body = try fastTransformers(network.body)
    self.network = network
    margins = FastAffine(foldedLastLayerOf: network.head)
    head = FastAffine(layer: network.head)
  }

  /// The logits at `x` in Float64 (no error bound: for a first guess that something exact checks).
  func logits(_ x: [Double]) -> [Double] {
    head.forward(body.reduce(x) { $1.forward($0) })
  }

  /// The fast tier for a dense/ReLU network, whose layers all have Float64 transformers.
  public init(network: DenseNetwork) {
    try! self.init(network: network.layerNetwork)
  }

  var classes: Int { network.classes }
}

