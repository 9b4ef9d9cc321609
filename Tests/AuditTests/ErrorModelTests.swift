import Foundation
import Certificates
import Testing
import Train
@testable import Audit

/// Layers bring their own floating-point error models; without one the report says there is no a
/// priori bound, never an infinite one.
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

  /// A formula layer has no rounding model: the audit encloses the gradient and says there is no
  /// a priori bound, naming the layer, instead of giving an infinite or a false one.
  @Test func aFormulaLayerHasNoAPrioriBound() throws {
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
    let report = try GradientAudit(precision: 64, directions: 0).run(model, on: batch, certificates: .builtIn)
    #expect(report.unbounded == reason)
    #expect(report.tensors.allSatisfy { !$0.bounded && !$0.withinBound && $0.maxAbsError.isFinite })
    #expect(report.verdict.hasPrefix("NO A PRIORI BOUND") && report.verdict.contains(reason) && report.passed)
    #expect(report.table().contains("NO A PRIORI BOUND") && report.table().contains("no a priori bound: \(reason)"))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
    let tensors = try #require(json["tensors"] as? [[String: Any]])
    #expect(tensors.allSatisfy { $0["bounded"] as? Bool == false && $0["within_bound"] is NSNull && $0["max_bound"] is NSNull })
    // The enclosures file carries no bound either (not an infinite one), and the rest as usual.
    #expect(report.arrays.tensors.allSatisfy { $0.bound == nil })
    let names = report.arrays.archive().arrays.map(\.name)
    #expect(!names.contains { $0.hasSuffix("_bound") } && names.contains("dense1.W_lo") && names.contains("dense1.W_float32"), "\(names)")
  }

  /// A parameter that no error model bounded is refused by name: the bounds are never completed
  /// with an infinite one.
  @Test func aParameterWithoutABoundIsRefusedByName() throws {
    let model = try Sequential(try ModelSpec(parsing: "input 4\ndense 3\nrelu\ndense 2\nloss mse\n"), seed: 1, certificates: .builtIn)
    let all = model.parameters.map { Array(repeating: 0.5, count: $0.value.count) }
    #expect(try GradientErrorBound.complete(all, model) == all)
    var partial: [[Double]?] = all
    partial[1] = nil
    partial[2] = [0.5]  // too few entries for dense2.W
    let error = #expect(throws: GradientAuditError.self) { try GradientErrorBound.complete(partial, model) }
    let message = error?.description ?? "no error"
    #expect(message.contains(model.parameters[1].name) && message.contains(model.parameters[2].name), "\(message)")
    #expect(!message.contains(model.parameters[0].name) && !message.contains(model.parameters[3].name), "\(message)")
  }
}
