import Audit
import Exact
import Intervals
import Testing
import Train

/// CNN checkpoints read for the robustness audit: the trainer's layouts (conv weight
/// `[out, in, kh, kw]`, NCHW, depthwise `[C, kh, kw]`, batch norm's running statistics) give the
/// function the trainer computes, and what the audit cannot bound is refused by name and position.
@Suite struct CNNCheckpointTests {
  /// A checkpoint of the reference's spec holding its parameters, in the trainer's order (conv w,
  /// b; batch norm g, b, m, v; depthwise w, b; dense W, b), and the model without batch norm.
  ///
  /// The trainer builds the model without batch norm (building one with it runs its rule's
  /// numeric check, seconds in a debug build); the batch norm's arrays are then put in the
  /// checkpoint as the trainer stores them, after the convolution's.
  static func checkpoint(_ reference: CNNReference) throws -> (Checkpoint, Sequential) {
    var plain = reference
    plain.batchNorm = false
    let model = try Sequential(try ModelSpec(parsing: plain.spec), seed: 1, certificates: .builtIn)
    let values = [reference.conv, reference.convBias, reference.depthwise, reference.depthwiseBias, reference.dense, reference.denseBias]
    let parameters = model.storedTensors
    #expect(parameters.map(\.rule).map { $0.split(separator: ".").last! } == ["w", "b", "w", "b", "W", "b"])
    for (parameter, value) in zip(parameters, values) { parameter.value = Tensor(shape: parameter.value.shape, scalars: value) }
    var checkpoint = Checkpoint(model: model)
    guard reference.batchNorm else { return (checkpoint, model) }
    checkpoint.spec = try ModelSpec(parsing: reference.spec)
    let statistics = zip(["g", "b", "m", "v"], [reference.g, reference.b, reference.m, reference.v]).map { name, value in
      Checkpoint.StoredTensor(
        name: "batchnorm1.\(name)", rule: (name == "m" || name == "v" ? "batchnorm_eval." : "batchnorm.") + name,
        value: Tensor(shape: [2], scalars: value))
    }
    checkpoint.arrays.insert(contentsOf: statistics, at: 2)
    return (checkpoint, model)
  }

  /// The trainer's Float32 logits of one image of 36 pixels in `[0, 1]`.
  static func trainerLogits(_ model: Sequential, _ x: [Float]) -> [Float] {
    var input = x
    return input.withUnsafeMutableBufferPointer { buffer in
      let out = model.forward(UnsafeMatrix(buffer.baseAddress!, rows: 1, columns: 36), training: false)
      return Array(UnsafeBufferPointer(start: out.row(0), count: out.columns))
    }
  }

  /// The trainer's model and the loaded checkpoint compute the reference's function: the
  /// trainer's layouts (conv `[out, in, kh, kw]`, depthwise `[C, kh, kw]`, dense over an image
  /// `[out, C, H, W]`) are the ones the loader reads.
  @Test func theLoadedNetworkIsTheTrainersFunction() throws {
    var reference = CNNReference(seed: 6)
    reference.batchNorm = false
    let (checkpoint, model) = try Self.checkpoint(reference)
    let network = try LayerNetwork(checkpoint: checkpoint)
    #expect(network.kinds == "conv2d-relu-maxpool-depthwise_conv2d-relu-avgpool-flatten-dense")
    #expect(network.inputImage == ImageShape(channels: 1, height: 6, width: 6) && network.isRational)
    var random = SeededGenerator(seed: 12)
    for _ in 0..<5 {
      let pixels = randomPixels(36, &random)
      let x = pixels.map { Rational(Int($0), 255) }
      let exact = reference.logits(at: x)
      let loaded = network.logits(at: x)
      #expect(exact.indices.allSatisfy { exact[$0].lower <= loaded[$0] && loaded[$0] <= exact[$0].upper })
      let trained = Self.trainerLogits(model, pixels.map { Float($0) / 255 })
      for k in exact.indices {
        let value = Double(exact[k].midpoint)
        #expect(abs(Double(trained[k]) - value) <= 1e-4 * (1 + abs(value)), "logit \(k): trainer \(trained[k]), exact \(value)")
      }
    }
  }

  /// Batch norm's arrays (g, b, running m and v) fold into the layer whose enclosures contain the
  /// definition's value `g (x − m) / √(v + ε) + b` (the reference, at 512 bits).
  @Test func batchNormFoldsFromTheRunningStatistics() throws {
    let reference = CNNReference(seed: 6)
    let (checkpoint, _) = try Self.checkpoint(reference)
    let network = try LayerNetwork(checkpoint: checkpoint)
    #expect(network.kinds == "conv2d-batchnorm-relu-maxpool-depthwise_conv2d-relu-avgpool-flatten-dense")
    #expect(!network.isRational)
    var random = SeededGenerator(seed: 13)
    for _ in 0..<5 {
      let x = randomPixels(36, &random).map { Rational(Int($0), 255) }
      let exact = reference.logits(at: x), loaded = network.logitEnclosures(at: x)
      // Both enclose the exact logits, so they meet; the loaded ones are narrow.
      for k in exact.indices {
        #expect(loaded[k].lower <= exact[k].upper && exact[k].lower <= loaded[k].upper, "logit \(k)")
        #expect(loaded[k].upper - loaded[k].lower < Rational(1, 1 << 50) * Rational(1, 1 << 50))
      }
      #expect(network.predictedClass(at: x) == exact.indices.first { k in exact.indices.allSatisfy { $0 == k || exact[$0].upper < exact[k].lower } })
    }
  }

  /// A dense/ReLU checkpoint reads as before: the same layers as `DenseNetwork(checkpoint:)`.
  @Test func aDenseCheckpointReadsAsTheDenseLoaderDoes() throws {
    let model = try Sequential(try ModelSpec(parsing: "input 12\ndense 7\nrelu\ndropout keep 0.5\ndense 3\nloss softmax_cross_entropy\n"), seed: 2, certificates: .builtIn)
    let checkpoint = Checkpoint(model: model)
    let loaded = try LayerNetwork(checkpoint: checkpoint)
    let dense = try DenseNetwork(checkpoint: checkpoint).layerNetwork
    #expect(loaded.kinds == dense.kinds && loaded.inputImage == nil)
    let x = (0..<12).map { Rational($0, 13) }
    #expect(loaded.logits(at: x) == dense.logits(at: x))
  }

  @Test func aLayerTheAuditCannotBoundIsRefusedByNameAndPosition() throws {
    let spec = "input 1x4x4\nconv2d 1->2 3 pad 1\nsigmoid\nflatten\ndense 2\nloss softmax_cross_entropy\n"
    let model = try Sequential(try ModelSpec(parsing: spec), seed: 1, certificates: .builtIn)
    #expect(throws: AuditError.unsupportedLayer(position: 2, kind: "sigmoid", tier: "robustness-audit")) {
      try LayerNetwork(checkpoint: Checkpoint(model: model))
    }
    let error = AuditError.unsupportedLayer(position: 2, kind: "sigmoid", tier: "robustness-audit").description
    #expect(error.contains("layer 2 (sigmoid)"))
  }

  @Test func attentionAndLayerNormAreRefusedWithTheReason() throws {
    for (spec, reason) in [("input 4x6\nlayernorm\ntoken_meanpool\ndense 2\nloss mse", "layer 1 ('layernorm') is not bounded by the robustness audit: layer norm divides"),
                           ("input 4x6\nattention_heads 2\ntoken_meanpool\ndense 2\nloss mse", "layer 1 ('attention_heads 2') is not bounded by the robustness audit: attention multiplies"),
                           // In a graph, named before the graph refusal, even behind a residual add.
                           ("input 4x6\nx = dense 6\ndense 6\nadd x\nattention_heads 2\ntoken_meanpool\ndense 2\nloss mse",
                            "layer 4 ('attention_heads 2') is not bounded by the robustness audit: attention multiplies"),
                           ("input 4x6\nx = dense 6\nlayernorm\nadd x\ntoken_meanpool\ndense 2\nloss mse",
                            "layer 2 ('layernorm') is not bounded by the robustness audit: layer norm divides")] {
      let model = try Sequential(try ModelSpec(parsing: spec), seed: 1, certificates: .builtIn)
      do {
        _ = try LayerNetwork(checkpoint: Checkpoint(model: model), path: "vit.ckpt")
        Issue.record("\(spec) was accepted")
      } catch {
        #expect(error.description.hasPrefix("vit.ckpt: " + reason), "\(error)")
      }
    }
  }

  @Test func arraysThatDoNotFitAreRefused() throws {
    let (good, _) = try Self.checkpoint(CNNReference(seed: 1))
    var reshaped = good
    reshaped.arrays[0].value = Tensor(shape: [2, 9], scalars: good.arrays[0].value.scalars)
    #expect(throws: AuditError.shapeMismatch(array: good.arrays[0].name, shape: [2, 9], expected: "(2, 1, 3, 3)")) {
      try LayerNetwork(checkpoint: reshaped)
    }
    var negative = good
    negative.arrays[5].value = Tensor(shape: [2], scalars: [0.5, -1])
    #expect {
      try LayerNetwork(checkpoint: negative)
    } throws: { error in
      "\(error)".contains("channel 1 has running variance -1.0")
    }
    var infinite = good
    infinite.arrays[4].value = Tensor(shape: [2], scalars: [0.5, .infinity])
    #expect(throws: AuditError.nonFiniteWeight(array: "batchnorm.m", index: 1)) { try LayerNetwork(checkpoint: infinite) }
    var short = good
    short.arrays.removeLast()
    #expect(throws: AuditError.self) { try LayerNetwork(checkpoint: short) }
  }

  /// The depthwise factory against direct sums: each channel convolved with its own kernel.
  @Test func depthwiseConvolutionReadsOnlyItsOwnChannel() throws {
    let image = ImageShape(channels: 2, height: 3, width: 3)
    let kernel: [Float] = [1, 2, 3, 4, -1, 0.5, 0.25, 2]
    let (layer, output) = try SparseAffineLayer.depthwiseConv2d(input: image, size: 2, stride: 2, padding: 1, kernel: kernel, bias: [0.5, -1])
    #expect(output == ImageShape(channels: 2, height: 2, width: 2))
    let x = (0..<18).map { Rational($0 + 1, 7) }
    let y = layer.output(at: x)
    for c in 0..<2 {
      for i in 0..<2 {
        for j in 0..<2 {
          var sum = Rational(exactlyFloat: c == 0 ? 0.5 : -1)
          for p in 0..<2 {
            for q in 0..<2 {
              let h = 2 * i + p - 1, w = 2 * j + q - 1
              if (0..<3).contains(h) && (0..<3).contains(w) { sum += Rational(exactlyFloat: kernel[(c * 2 + p) * 2 + q]) * x[(c * 3 + h) * 3 + w] }
            }
          }
          #expect(y[(c * 2 + i) * 2 + j] == sum)
        }
      }
    }
    #expect(throws: AuditError.self) { try SparseAffineLayer.depthwiseConv2d(input: image, size: 2, kernel: [1], bias: [0, 0]) }
  }
}
