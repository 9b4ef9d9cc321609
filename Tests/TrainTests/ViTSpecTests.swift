import Foundation
import Testing
@testable import Train

/// The vision transformer of Models/vit.spec: residual `add` over token values (`[T, D]`), the
/// encoder block's gradient against finite differences, and the spec itself.
@Suite("Vision transformer spec")
struct ViTSpecTests {
  /// One pre-norm encoder block on 3 tokens of width 4 (2 heads of 2), both residuals, then the
  /// ViT's head: the shape of Models/vit.spec at a size finite differences can afford.
  static let block = """
    input 3x4
    x0 = position_embedding
    layernorm
    dense 12
    attention_heads 2
    dense 4
    a = add x0
    layernorm
    dense 5
    gelu
    dense 4
    add a
    token_meanpool
    layernorm
    dense 3
    loss softmax_cross_entropy
    """

  @Test func addReadsTokenValues() throws {
    let spec = try ModelSpec(parsing: Self.block)
    let graph = try #require(spec.graph)
    // `a = add x0` (layer 6) reads the output projection and the position embedding's output;
    // the last `add a` reads the MLP's output and `a`.
    #expect(graph.inputs[5] == [5, 1] && graph.inputs[10] == [10, 6])
    let model = Sequential(uncheckedSpec: spec, seed: 1)
    let adds = model.layers.compactMap { $0 as? Add }
    #expect(adds.count == 2 && adds.allSatisfy { $0.inputShape == [3, 4] && $0.outputShape == [3, 4] })
    #expect(model.outputWidth == 3)
  }

  /// The trainer's gradient of the block (attention, layer norms, GELU, both residual sums and the
  /// fan-out of `x0` and `a`) against central differences of its loss.
  /// 180 entries: 12 (positions), 3 x 8 (layer norms), 60 + 20 (attention projections), 25 + 24
  /// (MLP), 15 (head).
  @Test func theEncoderBlockGradientMatchesFiniteDifferences() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.block), seed: 3)
    var random = RandomSource(seed: 4)
    var x = randomTensor([4, model.inputWidth], &random).converted(to: Float.self)
    let labels: [Int32] = [0, 1, 2, 1]
    func loss() -> Double {
      labels.withUnsafeBufferPointer { labels in
        var predictions = [Int32](repeating: 0, count: labels.count)
        return predictions.withUnsafeMutableBufferPointer { predictions in
          x.withMatrix { model.evaluate($0, labels: labels, predictions: predictions) }
        }
      }
    }
    let trained = labels.withUnsafeBufferPointer { labels in x.withMatrix { model.computeGradients($0, labels: labels) } }
    #expect(abs(trained - loss()) < 1e-6)
    let h: Float = 1e-2
    var checked = 0
    for parameter in model.parameters {
      let analytic = parameter.gradient.scalars
      #expect(analytic.contains { $0 != 0 }, "\(parameter.name): every gradient entry is 0")
      for k in 0..<parameter.value.count {
        let saved = parameter.value.scalars[k]
        parameter.value.withUnsafeMutableBufferPointer { $0[k] = saved + h }
        let plus = loss()
        parameter.value.withUnsafeMutableBufferPointer { $0[k] = saved - h }
        let minus = loss()
        parameter.value.withUnsafeMutableBufferPointer { $0[k] = saved }
        let numeric = (plus - minus) / Double(2 * h)
        #expect(abs(Double(analytic[k]) - numeric) < 2e-3, "\(parameter.name)[\(k)]: \(analytic[k]) vs \(numeric)")
        checked += 1
      }
    }
    #expect(checked == model.parameters.map(\.value.count).reduce(0, +) && checked == 180, "\(checked) entries")
  }

  /// Models/vit.spec as issue 21 states it: 7x7 patches (16 tokens of 64), two encoder blocks,
  /// mean-pool, layer norm and a linear head; its canonical text parses to the same graph.
  @Test func theViTSpecParses() throws {
    let spec = try ModelSpec(contentsOf: packageRoot.appendingPathComponent("Models/vit.spec").path)
    #expect(spec.inputShape == [1, 28, 28] && !spec.isSequence)
    let block: [LayerSpec] = [.layernorm, .denseTokens(units: 192), .attentionHeads(heads: 4), .denseTokens(units: 64), .add,
                              .layernorm, .denseTokens(units: 128), .gelu, .denseTokens(units: 64), .add]
    #expect(spec.layers == [.patchEmbed(units: 64, patch: 7), .positionEmbedding] + block + block
      + [.tokenMeanpool, .layernorm, .dense(units: 10)])
    // 3,200 (patches) + 1,024 (positions) + 2 x 33,472 (blocks) + 128 (layer norm) + 650 (head).
    #expect(spec.parameterCount == 71_946)
    #expect(try ModelSpec(parsing: spec.text).graph == spec.graph)
    let model = Sequential(uncheckedSpec: spec, seed: 1)
    #expect(model.layers.compactMap { $0 as? Add }.allSatisfy { $0.inputShape == [16, 64] })
    #expect(model.outputWidth == 10 && model.inputWidth == 784)
  }

  /// Models/vit.spec trains over its certificates: two epochs with Adam on a small subset of
  /// Fashion-MNIST lower the loss.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory), "Fashion-MNIST is not installed (dataset-fashion-mnist)"))
  func theViTSpecTrainsOnASubset() throws {
    let spec = try ModelSpec(contentsOf: packageRoot.appendingPathComponent("Models/vit.spec").path)
    let model = try Sequential(spec, seed: 1, certificates: .builtIn)
    #expect(model.ruleNames.contains("add.x") && model.ruleNames.contains("attention_heads.Q") && model.ruleNames.contains("layernorm.x"))
    let data = try FashionMNIST.load(.train).prefix(256)
    let configuration = TrainingConfiguration(epochs: 2, batchSize: 32, learningRate: 0.001, optimizer: .adam, seed: 1)
    let report = try Trainer(configuration).train(model, on: data)
    #expect(report.epochs.count == 2 && report.epochs.allSatisfy { $0.loss.isFinite })
    #expect(report.epochs.last!.loss < report.epochs.first!.loss)
  }
}
