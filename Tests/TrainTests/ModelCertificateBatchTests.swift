import Foundation
import Testing
@testable import Train

/// Model certificates of batch-coupled models (batch normalization in training): the statement is
/// over a batch `B` of examples, the loss the batch's mean (Docs/Semantics.md, "Batch-coupled
/// models"); a mis-wired batch norm is refused naming the place.
@Suite("Model certificates over a batch")
struct ModelCertificateBatchTests {
  /// A 1x1 convolution, batch norm, relu and a dense head on a 2x1x1 image: the smallest model
  /// whose batch norm has a parameter below it (so its input rule is in a theorem) and above it.
  static let tiny = "input 2x1x1\nconv2d 2->2 1\nbatchnorm\nrelu\nflatten\ndense 2\nloss mse\n"

  static func schedule(_ spec: String = tiny) throws -> BackwardSchedule {
    Sequential(uncheckedSpec: try ModelSpec(parsing: spec), seed: 1).schedule
  }

  static func statement(_ s: BackwardSchedule, formulas: [String: String] = [:]) throws -> String {
    try ModelStatement(s, blocks: { try BlockText.named($0, formulas: formulas) }).text
  }

  @Test func aBatchNormModelIsStatedOverABatch() throws {
    let text = try Self.statement(Self.schedule())
    // Every value and cotangent has the batch axis first; parameters do not.
    #expect(text.contains("dim B, N1, "))
    #expect(text.contains("tensor a0[B, N1, N2, N3], conv2d1_w[N4, N1, N5, N5]"))
    #expect(text.contains("target[B, N9]"))
    #expect(text.contains("def a3[ex: B, i: N4, i_1: N6, i_2: N7] = relu(a2[ex, i, i_1, i_2])"))
    // Batch norm reads the batch: its statistics are sums over it (guarded by the channel's range).
    #expect(text.contains("def a2[n: B, c: N4, h: N6, s: N7] = batchnorm1_g[c] * (a1[n, c, h, s] - (1 / B) * (1 / N6) * (1 / N7) * sum(n10: B, h10: N6, s10: N7 | 0 <= c, c < N4) a1[n10, c, h10, s10])"))
    // The loss is the batch mean, its cotangent 1/B times the block's rule.
    #expect(text.contains("def loss = (1 / B) * sum(ex: B) (1 / N9) * sum(i: N9) (a5[ex, i] - target[ex, i]) ^ 2"))
    #expect(text.contains("def da5[ex: B, i: N9] = (1 / B) * ((2 / N9) * (a5[ex, i] - target[ex, i]))"))
    // A parameter's gradient is summed over the batch; side conditions hold for every example.
    #expect(text.contains("theorem model.dense1.W: grad(loss, dense1_W)[o, c, h, s] = sum(ex: B) da5[ex, o] * a3[ex, c, h, s]"))
    #expect(text.contains("theorem model.conv2d1.b: grad(loss, conv2d1_b)[d] = sum(ex: B, p: N6, q: N7) da1[ex, d, p, q]"))
    #expect(text.contains("  assume forall ex: B. forall k: N4, k_1: N6, k_2: N7. a2[ex, k, k_1, k_2] != 0"))
    #expect(text.contains("  assume forall ex: B, k: N4, k_1: N6, k_2: N7. a2[ex, k, k_1, k_2] != 0"))
    #expect(text.contains("  assume eps > 0"))
  }

  @Test func aModelWithoutBatchNormIsStatedPerExample() throws {
    let text = try Self.statement(Self.schedule("input 2x1x1\nconv2d 2->2 1\nrelu\nflatten\ndense 2\nloss mse\n"))
    #expect(!text.contains("dim B") && !text.contains("ex: "))
    #expect(text.contains("def loss = (1 / N"))
  }

  @Test func aTinyBatchNormModelIsCertified() throws {
    let s = try Self.schedule()
    let certificate = try ModelCertificate.prove(s, cached: false)
    #expect(certificate.parameters.map(\.name) == ["dense1.W", "dense1.b", "batchnorm1.g", "batchnorm1.b", "conv2d1.w", "conv2d1.b"])
    #expect(try certificate.verify(against: s).parameters == 6)
  }

  /// The tiny model with softmax cross-entropy: its target condition over the batch,
  /// `forall ex: B. sum(i) target[ex, i] = 1`, is used at each example.
  static let tinySoftmax = "input 2x1x1\nconv2d 2->2 1\nbatchnorm\nrelu\nflatten\ndense 2\nloss softmax_cross_entropy\n"

  @Test func aTinyBatchNormSoftmaxModelIsCertified() throws {
    let s = try Self.schedule(Self.tinySoftmax)
    let certificate = try ModelCertificate.prove(s, cached: false)
    #expect(certificate.parameters.map(\.name) == ["dense1.W", "dense1.b", "batchnorm1.g", "batchnorm1.b", "conv2d1.w", "conv2d1.b"])
    #expect(try certificate.verify(against: s).parameters == 6)
  }

  @Test func theScalesGradientRoutedToTheShiftIsRefused() throws {
    // Batch norm first: the refutation normalizes the statement whole, which a convolution below
    // makes slow.
    var s = try Self.schedule("input 2x1x1\nbatchnorm\nrelu\nflatten\ndense 2\nloss mse\n")
    let k = try #require(s.steps.firstIndex { s.nodes[$0.node].name == "batchnorm1" })
    // batch norm's g gradient stored in its b, and the other way round.
    s.steps[k].gradients[0].parameter = "batchnorm1.b"
    s.steps[k].gradients[1].parameter = "batchnorm1.g"
    expectMiswired(s, at: "the gradient of batchnorm1.b (schedule step \(k), node batchnorm1)")
  }

  @Test func theScalesGradientRoutedToTheShiftIsRefusedUnderSoftmax() throws {
    // As above, with softmax cross-entropy: the false theorem's chain proof meets the target
    // condition over the batch. With `exp` and `log` in the statement no point where the sides
    // differ is found (a counterexample is printed only when it is one), so the schedule is
    // refused as not proved, at the same place.
    var s = try Self.schedule("input 2x1x1\nbatchnorm\nrelu\nflatten\ndense 2\nloss softmax_cross_entropy\n")
    let k = try #require(s.steps.firstIndex { s.nodes[$0.node].name == "batchnorm1" })
    s.steps[k].gradients[0].parameter = "batchnorm1.b"
    s.steps[k].gradients[1].parameter = "batchnorm1.g"
    do {
      _ = try ModelCertificate.prove(s, cached: false)
      Issue.record("a mis-wired schedule was certified")
    } catch let ModelCertificateError.notProved(place, _), let ModelCertificateError.miswired(place, _) {
      #expect(place.contains("the gradient of batchnorm1.b (schedule step \(k), node batchnorm1)"), "\(place)")
    }
  }
}
