@testable import Audit
import Exact
import Foundation
import Intervals
import Testing
import Train

/// The gradient audit of transformers (issue 21): patch embedding, position embedding, layer norm,
/// dense on tokens, multi-head attention (Q, K, V split from one `[T, 3D]` input), GELU, residual
/// adds, token mean-pool. The enclosure from the certified rules holds the gradient of an
/// independent 512-bit evaluation (`vitLoss`) entry by entry. The rounding models are tested in
/// `TransformerErrorBoundTests`.
@Suite("Transformer gradient audit")
struct TransformerGradientAuditTests {
  static let store = GradientAuditTests.store

  /// A ViT-shaped spec, as small as it goes: a 4x4 image in 2x2 patches (4 tokens of width 4),
  /// one pre-norm block with 2 heads of width 2 and a GELU MLP of width 8, mean-pool, layer norm, 3 classes.
  static let tinyViT = """
    input 1x4x4
    patch_embed 4 2
    x0 = position_embedding
    layernorm
    dense 12
    attention_heads 2
    dense 4
    a1 = add x0
    layernorm
    dense 8
    gelu
    dense 4
    add a1
    token_meanpool
    layernorm
    dense 3
    loss softmax_cross_entropy
    """

  /// The other transformer layers: GELU's tanh form and softmax over the last axis.
  static let tanhSoftmax = """
    input 1x4x4
    patch_embed 3 2
    position_embedding
    dense 6
    gelu_tanh
    softmax
    layernorm
    token_meanpool
    dense 3
    loss softmax_cross_entropy
    """

  static let specs = [tinyViT, tanhSoftmax]

  static func rules(_ model: Sequential) throws -> [String: ReplayedRule] {
    try Dictionary(uniqueKeysWithValues: model.ruleNames.map { ($0, try ReplayedRule.load($0, from: store)) })
  }

  /// The derivative of the reference loss along parameter `p`'s entry `k`.
  static func reference(_ model: Sequential, _ batch: GradientBatch, _ p: Int, _ k: Int) throws -> IntervalDual {
    let direction = model.parameters.enumerated().map { q, parameter in
      (0..<parameter.value.count).map { Rational(q == p && $0 == k ? 1 : 0) }
    }
    return try vitLoss(model, batch, direction: direction)
  }

  /// Up to six entries of every tensor (the first, the last and four between) of the reference
  /// gradient (512 bits) are inside the 128-bit enclosure, and so is the loss; along a random
  /// direction in every parameter at once, the reference's derivative is inside the enclosure's
  /// dot product with it (every entry enters).
  @Test(arguments: specs)
  func enclosureContainsTheReferenceGradient(spec: String) throws {
    let model = try CNNGradientAuditTests.model(spec)
    let batch = try CNNGradientAuditTests.batch(model, count: 2)
    let enclosure = try GradientEnclosure<IntervalVector>(model: model, rules: try Self.rules(model), batch: batch, precision: 128, threads: 2)
    try enclosure.forward()
    try enclosure.backward()
    let loss = try enclosure.meanLoss()
    let tiny = try Rational(parsing: "1e-100")
    for (p, parameter) in model.parameters.enumerated() {
      let n = parameter.value.count
      var nonzero = 0
      for k in Set((0..<6).map { $0 * (n - 1) / 5 }).sorted() {
        let exact = try Self.reference(model, batch, p, k)
        #expect(exact.t.width < tiny)
        if p == 0 && k == 0 {
          let value = exact.v.midpoint
          #expect(try Rational(exactly: loss.lower) <= value && value <= (try Rational(exactly: loss.upper)))
        }
        if !exact.t.contains(Rational(0)) { nonzero += 1 }
        #expect(enclosure.gradients[p].contains(k, exact.t.midpoint), "\(parameter.name)[\(k)] = \(exact.t) not in \(enclosure.gradients[p][k])")
      }
      #expect(nonzero > 0, "\(parameter.name): an all-zero gradient tests nothing")
    }
    var random = SeededGenerator(seed: 3)
    let direction = model.parameters.map { p in (0..<p.value.count).map { _ in Rational(Int.random(in: -4...4, using: &random), 4) } }
    let exact = try vitLoss(model, batch, direction: direction).t
    var dot = Interval(0, precision: 128)
    for (p, v) in direction.enumerated() { for (k, c) in v.enumerated() { dot += enclosure.gradients[p][k] * c } }
    #expect(dot.contains(exact.midpoint), "\(exact) not in \(dot)")
    #expect(!exact.contains(Rational(0)))
  }

  /// A mutated rule is caught: GELU's erf rule replaced by the tanh approximation's (forward and
  /// backward within 1e-3 of it) leaves entries of the reference gradient outside the enclosure.
  @Test func aMutatedRuleFailsContainment() throws {
    let model = try CNNGradientAuditTests.model(Self.tinyViT)
    let batch = try CNNGradientAuditTests.batch(model, count: 2)
    var rules = try Self.rules(model)
    let tanh = try ReplayedRule.load("gelu_tanh.x", from: Self.store)
    rules["gelu.x"] = try ReplayedRule(name: "gelu.x", theorem: tanh.theorem, sha256: tanh.sha256)
    let enclosure = try GradientEnclosure<IntervalVector>(model: model, rules: rules, batch: batch, precision: 128)
    try enclosure.forward()
    try enclosure.backward()
    // The first MLP layer's weights: just below the GELU.
    let p = model.parameters.firstIndex { $0.name == "dense3.W" }!
    let outside = try (0..<model.parameters[p].value.count).first { k in
      !enclosure.gradients[p].contains(k, try Self.reference(model, batch, p, k).t.midpoint)
    }
    #expect(outside != nil)
  }

  /// Models/vit.spec is planned (every rule of every layer), not refused.
  @Test func theViTIsPlanned() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let spec = try ModelSpec(contentsOf: root.appendingPathComponent("Models/vit.spec").path)
    let model = try Sequential(spec, seed: 1, certificates: Self.store)
    let loaded = try GradientAuditModel(checkpoint: Checkpoint(model: model), certificates: Self.store, path: "vit.ckpt")
    let batch = try CNNGradientAuditTests.batch(loaded.model, count: 1)
    let enclosure = try GradientEnclosure<IntervalVector>(model: loaded.model, rules: try Self.rules(loaded.model), batch: batch, precision: 64)
    #expect(enclosure.gradients.count == 31 && loaded.model.parameters.count == 31)
  }
}
