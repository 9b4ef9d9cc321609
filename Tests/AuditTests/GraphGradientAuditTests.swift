import Audit
import Foundation
import Testing
import Train

/// The gradient audit composes a chain of layers: a graph-shaped model (a residual network, a
/// transformer) is refused by its first layer that reads another value than the line before it,
/// rather than enclosed at the wrong inputs.
@Suite("Gradient audit of graph-shaped models")
struct GraphGradientAuditTests {
  static let store = GradientAuditTests.store

  @Test func aResidualModelIsRefusedByItsJoiningLayer() throws {
    let model = try GradientAuditTests.model("input 4\nx = dense 4\ntanh\nadd x\ndense 3\nloss mse\n")
    let batch = try GradientAuditTests.batch(width: 4, count: 2, classes: 3)
    #expect(throws: GradientAuditError.invalidModel(
      "layer 3 (add) reads a value other than the line before it: the gradient audit encloses chains of layers, and graph-shaped models (named values, from, add, mul) are not audited yet")) {
      try GradientAudit(precision: 64, directions: 0).run(model, on: batch, certificates: Self.store)
    }
  }

  /// `from` reads an earlier value without a two-input layer: enclosed as a chain it would read the
  /// line before it. And a checkpoint with dropout, which the audit removes, stays refused.
  @Test(arguments: ["input 4\nx = dense 4\nh = tanh\nfrom x dense 4\nadd h\ndense 3\nloss mse\n",
                    "input 4\nx = dense 4\ndropout keep 0.5\ntanh\nadd x\ndense 3\nloss mse\n"])
  func aCheckpointOfAGraphIsRefused(spec: String) throws {
    let model = try GradientAuditTests.model(spec)
    do {
      _ = try GradientAuditModel(checkpoint: Checkpoint(model: model), certificates: Self.store, path: "graph.ckpt")
      Issue.record("the graph was accepted")
    } catch {
      #expect(error.description.contains("graph.ckpt: layer ") && error.description.contains("graph-shaped models"), "\(error)")
    }
  }

  /// Models/vit.spec: refused at its first residual add.
  @Test func theViTIsRefused() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let spec = try ModelSpec(contentsOf: root.appendingPathComponent("Models/vit.spec").path)
    let model = try Sequential(spec, seed: 1, certificates: Self.store)
    do {
      _ = try GradientAuditModel(checkpoint: Checkpoint(model: model), certificates: Self.store, path: "vit.ckpt")
      Issue.record("the ViT was accepted")
    } catch {
      #expect(error.description.hasPrefix("cannot audit the model: vit.ckpt: layer 7 (add) reads a value other than the line before it"), "\(error)")
    }
  }
}
