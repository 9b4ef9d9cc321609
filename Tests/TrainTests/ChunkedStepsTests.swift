import Testing
@testable import Train

/// `ChunkedSteps`: a batch's step as chunks of `ChunkedSteps.chunkSize` examples on worker copies
/// of the model, the chunks' gradients added in chunk order.
@Suite("Chunked steps")
struct ChunkedStepsTests {
  /// 40 examples: chunks of 16, 16 and 8.
  static let examples = 40

  /// The encoder block of `ViTSpecTests` (attention, layer norms, GELU, residual sums) and a batch.
  static func blockAndBatch(seed: UInt64 = 3) throws -> (Sequential, Tensor<Float>, [Int32]) {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: ViTSpecTests.block), seed: seed)
    var random = RandomSource(seed: seed + 1)
    let x = randomTensor([examples, model.inputWidth], &random).converted(to: Float.self)
    let labels = (0..<examples).map { Int32(($0 * 7 + 1) % 3) }
    return (model, x, labels)
  }

  static func gradients(_ model: Sequential) -> [[Float]] { model.parameters.map(\.gradient.scalars) }

  static func chunkedStep(_ model: Sequential, _ x: Tensor<Float>, _ labels: [Int32], threads: Int) throws -> Double {
    let steps = try #require(ChunkedSteps(model, threads: threads))
    var x = x
    return labels.withUnsafeBufferPointer { labels in x.withMatrix { steps.computeGradients($0, labels: labels) } }
  }

  /// Against one pass over the whole batch: the same loss and gradient but for the order of the
  /// sums over examples. A chunk that took its own mean (divided by 16, not 40) would be 2.5 times
  /// too large.
  @Test func aChunkedStepIsTheWholeBatchStep() throws {
    let (model, x, labels) = try Self.blockAndBatch()
    var input = x
    let whole = labels.withUnsafeBufferPointer { labels in input.withMatrix { model.computeGradients($0, labels: labels) } }
    let expected = Self.gradients(model)
    let chunked = try Self.chunkedStep(model, x, labels, threads: 2)
    #expect(abs(chunked - whole) <= 1e-12 * abs(whole) + 1e-12, "\(chunked) vs \(whole)")
    for (parameter, wanted) in zip(model.parameters, expected) {
      let got = parameter.gradient.scalars
      let scale = wanted.map(abs).max()!
      #expect(scale > 0)
      for k in got.indices {
        #expect(abs(got[k] - wanted[k]) <= 1e-5 * scale, "\(parameter.name)[\(k)]: \(got[k]) vs \(wanted[k])")
      }
    }
  }

  /// Which worker ran which chunk changes nothing: one, two or three workers, the same bits.
  @Test func theThreadCountChangesNoBit() throws {
    let (model, x, labels) = try Self.blockAndBatch(seed: 5)
    let loss = try Self.chunkedStep(model, x, labels, threads: 1)
    let one = Self.gradients(model)
    for threads in [2, 3] {
      #expect(try Self.chunkedStep(model, x, labels, threads: threads) == loss)
      #expect(Self.gradients(model) == one, "\(threads) workers")
    }
  }

  /// With `accumulatesGradient` (fused SGD keeps its velocity there), the step's gradient is added.
  @Test func anAccumulatingGradientIsAddedTo() throws {
    let (model, x, labels) = try Self.blockAndBatch(seed: 7)
    _ = try Self.chunkedStep(model, x, labels, threads: 2)
    let step = Self.gradients(model)
    for parameter in model.parameters {
      parameter.accumulatesGradient = true
      parameter.gradient = Tensor(shape: parameter.shape, repeating: 1)
    }
    _ = try Self.chunkedStep(model, x, labels, threads: 2)
    for (parameter, g) in zip(model.parameters, step) {
      #expect(parameter.gradient.scalars == g.map { 1 + $0 }, "\(parameter.name)")
    }
  }

  /// Only models whose layers treat each example on its own are chunked: batch norm reads the
  /// batch, dropout draws masks in batch order, relu counts kinks per model.
  @Test func onlyPerExampleModelsAreChunked() throws {
    func chunked(_ text: String) throws -> Bool {
      ChunkedSteps.eligible(Sequential(uncheckedSpec: try ModelSpec(parsing: text), seed: 1))
    }
    #expect(try chunked(ViTSpecTests.block))
    #expect(try chunked("input 20\ndense 16\ntanh\ndense 8\nsigmoid\ndense 4\nloss mse"))
    #expect(try !chunked("input 20\ndense 16\nrelu\ndense 4\nloss softmax_cross_entropy"))
    #expect(try !chunked("input 20\ndense 16\ntanh\ndropout keep 0.9\ndense 4\nloss softmax_cross_entropy"))
    #expect(try !chunked("input 1x8x8\nconv2d 1->4 3 pad 1\nbatchnorm\nflatten\ndense 4\nloss softmax_cross_entropy"))
  }
}
