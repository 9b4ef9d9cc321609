import Testing
@testable import Train

/// The transformer layers' batched kernels cut over threads (`BatchParallel`): a batch large
/// enough to be cut gives the same outputs and input gradients in 1, 2 or 3 parts, bit for bit (each
/// example is its own computation), and layer norm's parameter gradients, summed per part and then
/// in part order, agree up to rounding.
@Suite("Transformer kernels on batches cut into parts")
struct TransformerPartsTests {
  /// One forward and backward of `layer` on a seeded `[batch, in]` input with batches cut into
  /// `parts` parts: the output, the input gradient and the parameter gradients.
  func run(_ layer: any LayerKernels, batch: Int, parts: Int) -> (y: [Float], dx: [Float], gradients: [[Float]]) {
    BatchParallel.$partLimit.withValue(parts) {
      var random = RandomSource(seed: 31)
      var x = randomTensor([batch, layer.inputWidth], &random, in: -2...2).converted(to: Float.self)
      var dy = randomTensor([batch, layer.outputWidth], &random).converted(to: Float.self)
      #expect(BatchParallel.partCount(batch: batch, work: x.count) == parts)
      layer.reserve(batchCapacity: batch)
      return x.withMatrix { x in
        dy.withMatrix { dy in
          let y = layer.forward(x, training: true)
          let yValues = Array(y.buffer)
          let dx = layer.backward(dy, needsInputGradient: true)!
          return (yValues, Array(dx.buffer), layer.parameters.map(\.gradient.scalars))
        }
      }
    }
  }

  @Test func attentionLayerNormAndGELUGiveTheSameValuesInParts() throws {
    // 64 examples of 16 tokens: enough work to be cut.
    let layers: [() -> any LayerKernels] = [
      { AttentionHeads(name: "attention", input: [16, 48], heads: 4) },
      { LayerNorm(name: "layernorm", input: [16, 32]) },
      { GELU(name: "gelu", input: [16, 32]) },
    ]
    for make in layers {
      let one = run(make(), batch: 64, parts: 1)
      #expect(one.y.contains { $0 != 0 } && one.dx.contains { $0 != 0 })
      for parts in [2, 3] {
        let cut = run(make(), batch: 64, parts: parts)
        #expect(cut.y == one.y && cut.dx == one.dx, "\(make().name) in \(parts) parts")
        for (a, b) in zip(cut.gradients, one.gradients) {
          #expect(a.count == b.count && !a.isEmpty)
          for (u, v) in zip(a, b) { #expect(abs(u - v) <= 1e-4 * max(1, abs(v)), "\(make().name): \(u) vs \(v)") }
        }
      }
    }
  }
}
