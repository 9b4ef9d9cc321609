/// How a dense layer's weights are drawn at creation (biases start at zero).
///
/// - `he`: normal with standard deviation `sqrt(2 / in)` (He et al., 2015), for a layer followed
///   by `relu`, which halves the variance it passes on.
/// - `glorot`: uniform on `[-a, a]` with `a = sqrt(6 / (in + out))` (Glorot and Bengio, 2010),
///   for every other layer.
package enum Initialization: String, Sendable, Codable {
  case he
  case glorot

  /// Fills a `[out, ...]` weight tensor: fan-out is its first size, fan-in the product of the rest
  /// (`in` for dense, `C K K` for a convolution).
  func fill(_ weight: inout Tensor<Float>, using random: inout RandomSource) {
    let (fanOut, fanIn) = (weight.shape[0], weight.count / weight.shape[0])
    weight.withUnsafeMutableBufferPointer { w in
      switch self {
      case .he:
        let deviation = (2 / Double(fanIn)).squareRoot()
        for k in w.indices { w[k] = Float(deviation * random.normal()) }
      case .glorot:
        let limit = (6 / Double(fanIn + fanOut)).squareRoot()
        for k in w.indices { w[k] = Float(limit * (2 * random.uniform() - 1)) }
      }
    }
  }
}
