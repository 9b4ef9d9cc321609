import Audit
import Exact
import Intervals
import Testing
import Train

/// Every certified max pooling (`maxpool 2`, `2 stride 1`, `3 stride 1`, `3 stride 2`) read from a
/// checkpoint for the robustness audit: the loaded network computes the trainer's function.
@Suite struct MaxPoolWindowsAuditTests {
  @Test(arguments: ["maxpool 2", "maxpool 2 stride 1", "maxpool 3 stride 1", "maxpool 3 stride 2"])
  func theLoadedNetworkIsTheTrainersFunction(pool: String) throws {
    let spec = try ModelSpec(parsing: "input 1x6x6\nconv2d 1->2 3 pad 1\nrelu\n\(pool)\nflatten\ndense 3\nloss softmax_cross_entropy")
    let model = try Sequential(spec, seed: 4, certificates: .builtIn)
    let network = try LayerNetwork(checkpoint: Checkpoint(model: model))
    #expect(network.kinds == "conv2d-relu-maxpool-flatten-dense")
    var random = SeededGenerator(seed: 21)
    for _ in 0..<4 {
      let pixels = randomPixels(36, &random)
      let exact = network.logits(at: pixels.map { Rational(Int($0), 255) })
      let trained = CNNCheckpointTests.trainerLogits(model, pixels.map { Float($0) / 255 })
      for k in exact.indices {
        let value = Double(exact[k])
        #expect(abs(Double(trained[k]) - value) <= 1e-4 * (1 + abs(value)), "\(pool) logit \(k): trainer \(trained[k]), exact \(value)")
      }
    }
  }
}
