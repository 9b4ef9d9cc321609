/// A layer's weight and bias as its kernels take them: raw pointers for the length of one pass.
///
/// `Dense`, `Conv2D`, `DepthwiseConv2D`, `DenseTokens`, `PatchEmbed` and batch norm (scale and shift) pair
/// a weight with a bias; their kernels read the weight and write both gradients — or add to them,
/// when a parameter `accumulatesGradient`. The nest of buffer accesses that gets there is here once.
struct WeightAndBias {
  let weight: Parameter
  let bias: Parameter

  init(_ weight: Parameter, _ bias: Parameter) {
    self.weight = weight
    self.bias = bias
  }

  /// `body(w, b)` with the two values (a forward pass).
  func withValues<R>(_ body: (UnsafePointer<Float>, UnsafePointer<Float>) -> R) -> R {
    weight.value.withUnsafeBufferPointer { w in
      bias.value.withUnsafeBufferPointer { b in body(w.baseAddress!, b.baseAddress!) }
    }
  }

  /// `body(w, gradients)` with the weight's value and where the gradients go (a backward pass).
  func withGradients<R>(_ body: (UnsafePointer<Float>, Gradients) -> R) -> R {
    let (accumulateWeight, accumulateBias) = (weight.accumulatesGradient, bias.accumulatesGradient)
    return weight.value.withUnsafeBufferPointer { w in
      weight.gradient.withUnsafeMutableBufferPointer { dw in
        bias.gradient.withUnsafeMutableBufferPointer { db in
          body(w.baseAddress!, Gradients(
            weight: dw.baseAddress!, bias: db.baseAddress!, accumulateWeight: accumulateWeight, accumulateBias: accumulateBias))
        }
      }
    }
  }

  /// Where a backward kernel writes the two gradients, and whether it adds to what they hold.
  struct Gradients {
    let weight: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    let accumulateWeight: Bool
    let accumulateBias: Bool
  }
}
