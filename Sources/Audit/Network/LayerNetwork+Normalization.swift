import Exact
package import ONNX

extension LayerNetwork {
  /// `network` behind an ONNX model's input normalisation (`InputNormalization`, `Sub` and `Div`
  /// of constants), read exactly: an affine layer `x ↦ scale ⊙ x + shift` with rational
  /// coefficients (`1/std` is no float32 number, so it is not folded into the first layer's
  /// weights), which every tier bounds like a convolution's. Inputs and boxes stay in the model's
  /// own units (pixels in [0, 1]).
  /// - Throws: `AuditError.invalidArgument` when the normalisation's width is not the network's input's.
  package init(normalization: InputNormalization, before network: LayerNetwork) throws(AuditError) {
    let width = network.inputWidth
    guard normalization.scale.count == width else {
      throw AuditError.invalidArgument("the input normalisation has \(normalization.scale.count) values, the network takes \(width)")
    }
    let layer = try SparseAffineLayer(
      kind: "normalize", inputWidth: width, rows: (0..<width).map { [(input: $0, coefficient: normalization.scale[$0])] },
      bias: normalization.shift)
    try self.init(layers: [layer] + network.layers)
    inputImage = network.inputImage
  }
}
