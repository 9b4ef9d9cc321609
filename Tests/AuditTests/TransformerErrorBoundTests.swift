@testable import Audit
import Foundation
import Intervals
import Testing
@testable import Train

/// The rounding models of the transformer layers (issue 21; Docs/Audits.md, "Transformer rounding
/// models"): the trainer's Float32 values lie within them layer by layer and in the gradient, on
/// the tiny ViTs of `TransformerGradientAuditTests`, also with inputs scaled up to stress layer
/// norm, softmax and GELU; a bound made smaller than the observed error is caught.
@Suite("Transformer error bounds")
struct TransformerErrorBoundTests {
  static let store = GradientAuditTests.store

  /// The batch with every feature multiplied by `factor` (Float32, as the trainer reads it).
  static func batch(_ model: Sequential, count: Int, factor: Float) throws -> GradientBatch {
    let b = try CNNGradientAuditTests.batch(model, count: count)
    return try GradientBatch(features: b.features.map { $0 * factor }, labels: b.labels, width: b.width)
  }

  /// What the layer-by-layer checks start from: a tiny transformer built from `spec`, a batch of it
  /// (features times `factor`) and the 128-bit enclosure of its exact forward pass.
  static func forwardEnclosure(_ spec: String, count: Int, factor: Float) throws
    -> (model: Sequential, batch: GradientBatch, enclosure: GradientEnclosure<IntervalVector>)
  {
    let model = try CNNGradientAuditTests.model(spec)
    let batch = try Self.batch(model, count: count, factor: factor)
    let enclosure = try GradientEnclosure<IntervalVector>(
      model: model, rules: try TransformerGradientAuditTests.rules(model), batch: batch, precision: 128, threads: 1)
    try enclosure.forward()
    return (model, batch, enclosure)
  }

  /// Every layer's Float32 output (run layer by layer by the trainer's kernels) is within the
  /// forward bound of its exact value, entry by entry, on the chain-shaped spec (GELU's tanh form,
  /// softmax, layer norm, mean-pool), at inputs in [0, 1] and in [0, 40].
  @Test(arguments: [Float(1), 40])
  func forwardBoundsHoldLayerByLayer(factor: Float) throws {
    let (model, batch, enclosure) = try Self.forwardEnclosure(TransformerGradientAuditTests.tanhSoftmax, count: 3, factor: factor)
    var p = ErrorPropagation(enclosure)
    model.reserve(batchCapacity: batch.count)
    var features = batch.features
    var checked = 0
    try features.withUnsafeMutableBufferPointer { buffer in
      var current = UnsafeMatrix(buffer.baseAddress!, rows: batch.count, columns: batch.width)
      for (k, layer) in model.layers.enumerated() {
        let bound = (layer as! any GradientErrorModel).forwardError(at: k, input: p.errors[k], p)
        p.errors.append(bound)
        current = (layer as! any LayerKernels).forward(current, training: false)
        let exact = enclosure.activations[k + 1]
        try #require(bound.count == exact.count && current.count == exact.count)
        for j in 0..<exact.count {
          let (lo, hi) = exact.doubleBounds(j)
          let f = Double(current.base[j])
          #expect(f - bound[j] <= lo && hi <= f + bound[j], "\(layer.name)[\(j)]: \(f) not within \(bound[j]) of [\(lo), \(hi)]")
          checked += 1
        }
        // A bound that says nothing would pass trivially: at inputs in [0, 1] each is below 10⁻³ of
        // the layer's scale. (At [0, 40] GELU's and softmax's are not: their models use global
        // Lipschitz constants where the functions saturate, Docs/Audits.md.)
        let scale = (0..<exact.count).map { exact.magnitudeUpperBound($0) }.max()!
        if factor == 1 { #expect(bound.max()! < 1e-3 * max(scale, 1), "\(layer.name): bound \(bound.max()!) against scale \(scale)") }
      }
    }
    #expect(checked > 100)
  }

  /// The trainer's Float32 gradient of both tiny ViTs is within the a priori bound, at inputs in
  /// [0, 1] and in [0, 40]; the verdict says PASSED and the bound is finite. (It is loose: entry-
  /// wise worst cases compound through the chain, up to 10⁸ times the measured error here; its
  /// tightness is not asserted.)
  @Test(arguments: [(0, Float(1)), (1, 1), (0, 40), (1, 40)])
  func floatGradientIsWithinTheBound(spec: Int, factor: Float) throws {
    let model = try CNNGradientAuditTests.model(TransformerGradientAuditTests.specs[spec])
    let batch = try Self.batch(model, count: 4, factor: factor)
    let report = try GradientAudit(precision: 128, directions: 1).run(model, on: batch, certificates: Self.store)
    #expect(report.unbounded == nil, "\(String(describing: report.unbounded))")
    for t in report.tensors {
      #expect(t.bounded && t.withinBound && t.outside == 0 && t.undecided == 0, "\(t.name): \(t)")
      #expect(t.maxAbsError <= t.maxBound && t.maxBound.isFinite, "\(t.name): \(t)")
    }
    let consistent = report.checks.allSatisfy(\.consistent)
    #expect(consistent, "\(report.checks)")
    #expect(report.passed && report.verdict.hasPrefix("PASSED"), "\(report.table())")
    // A bound at least the tensor's own scale says nothing, and the verdict says so, counting them.
    let vacuous = report.tensors.filter { !($0.maxBound < $0.scale) }.map(\.name)
    let note = "but the bound is at least the gradient's own scale in \(vacuous.count) of \(report.tensors.count) tensors (\(vacuous.first ?? "")"
    #expect(report.verdict.contains(note) == !vacuous.isEmpty && report.verdict.contains("own scale") == !vacuous.isEmpty, "\(report.verdict)")
  }

  /// A bound smaller than what the Float32 gradient actually does is caught: (1) each tensor's
  /// bound scaled below its measured error fails `within bound`; (2) the trainer's gradient moved
  /// by twice its bound at one entry makes the audit fail naming that tensor.
  @Test func aTooSmallBoundIsCaught() throws {
    let (model, batch, enclosure) = try Self.forwardEnclosure(TransformerGradientAuditTests.tinyViT, count: 4, factor: 1)
    let report = try GradientAudit(precision: 128, directions: 0).run(model, on: batch, certificates: Self.store)
    try enclosure.backward()
    var caught = 0
    for (p, tensor) in report.arrays.tensors.enumerated() where report.tensors[p].maxAbsError > 0 {
      let shrink = report.tensors[p].maxAbsError / report.tensors[p].maxBound / 2
      let bound = try #require(tensor.bound, "\(tensor.name) has no a priori bound")
      let small = TensorErrors.measure(name: tensor.name, float: tensor.float, exact: enclosure.gradients[p], bound: bound.map { $0 * shrink })
      #expect(!small.withinBound && small.outside > 0, "\(tensor.name): a bound below the error passed")
      caught += 1
    }
    #expect(caught >= report.tensors.count - 2)

    let target = report.arrays.tensors.firstIndex { $0.name == "layernorm1.g" }!
    let bound = try #require(report.arrays.tensors[target].bound, "layernorm1.g has no a priori bound")
    let k = bound.indices.max { bound[$0] < bound[$1] }!
    let push = Float(2 * bound[k])
    let moved = try GradientAudit(precision: 128, directions: 0).run(model, on: batch, certificates: Self.store) { floats in
      floats[target][k] += push
    }
    #expect(!moved.passed && moved.verdict.hasPrefix("FAILED"), "\(moved.verdict)")
    #expect(moved.tensors.filter { !$0.withinBound }.map(\.name) == ["layernorm1.g"])
  }
}
