import Certificates
import Testing
import Train
@testable import Audit

/// Layers bring their own floating-point error models; a layer without one is refused by name,
/// never given an infinite bound.
@Suite("Gradient error models")
struct ErrorModelTests {
  @Test func everyBuiltInLayerKindHasAnErrorModel() throws {
    let spec = try ModelSpec(parsing: "input 4\ndense 3\nrelu\ndense 3\nsigmoid\ndense 3\ntanh\ndense 2\nloss mse\n")
    let model = try Sequential(spec, seed: 1, certificates: .builtIn)
    #expect(GradientErrorBound.unmodelled(model) == nil)
    let batch = try GradientBatch(features: [1, -2, 3, 0.5], labels: [1], width: 4)
    let report = try GradientAudit(precision: 64, directions: 0).run(model, on: batch, certificates: .builtIn)
    #expect(report.tensors.allSatisfy { $0.withinBound && $0.maxBound.isFinite })
  }

  @Test func aFormulaLayerIsRefusedByName() throws {
    let text = """
      input 4
      dense 3
      layer swish(n)
        input x[n]
        output y[i: n] = x[i] * sigmoid(x[i])
      dense 2
      loss softmax_cross_entropy
      """
    let model = try Sequential(try ModelSpec(parsing: text), seed: 1, certificates: .builtIn)
    let reason = try #require(GradientErrorBound.unmodelled(model))
    #expect(reason.contains("layer 2") && reason.contains("no floating-point error model"), "\(reason)")
    let batch = try GradientBatch(features: [1, 2, 3, 4], labels: [0], width: 4)
    #expect(throws: GradientAuditError.invalidModel(reason)) {
      try GradientAudit(precision: 64, directions: 0).run(model, on: batch, certificates: .builtIn)
    }
  }
}
