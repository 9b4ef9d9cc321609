@testable import Audit
import Foundation
import Intervals
import Testing
@testable import Train

/// Norm-wise error propagation (Docs/Audits.md, "Norm-wise bounds"): the certified `‖W‖₂` bound is
/// above the norm and close to it; every layer's Float32 output row is within its ℓ2 bound of the
/// exact row (and each entry within its entrywise bound) on a chain that has every transformer
/// layer; the norm-wise bounds are never above the entrywise ones and below them where it counts.
@Suite("Norm-wise error bounds")
struct NormwiseErrorBoundTests {
  /// A Float32 matrix with entries in [−scale, scale] from a fixed linear congruential sequence.
  static func matrix(_ m: Int, _ n: Int, seed: UInt64, scale: Float = 0.2) -> [Float] {
    var state = seed
    return (0..<(m * n)).map { _ in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
  }

  /// Above the power-iteration estimate (a lower bound) and within 8 % of it, at the ViT's shapes.
  @Test(arguments: [(192, 64), (64, 128), (10, 64), (64, 49)])
  func spectralBoundIsAboveTheNormAndNearIt(rows: Int, columns: Int) {
    let shape = (rows, columns)
    let w = Self.matrix(shape.0, shape.1, seed: UInt64(shape.0 * 1000 + shape.1))
    let bound = SpectralNorm.upperBound(w, rows: shape.0, columns: shape.1)
    let estimate = SpectralNorm.powerEstimate(w, rows: shape.0, columns: shape.1)
    #expect(estimate <= bound && bound <= 1.08 * estimate, "\(shape): bound \(bound), estimate \(estimate)")
    // sqrt(‖W‖₁ ‖W‖∞), the cheap certified bound, is well above it.
    let rowSums = (0..<shape.0).map { i in (0..<shape.1).reduce(0.0) { $0 + Double(abs(w[i * shape.1 + $1])) } }
    let columnSums = (0..<shape.1).map { j in (0..<shape.0).reduce(0.0) { $0 + Double(abs(w[$1 * shape.1 + j])) } }
    #expect(bound < (rowSums.max()! * columnSums.max()!).squareRoot())
  }

  /// Where the norm is known: a rank-one `u vᵀ` (`‖u‖ ‖v‖`) and a diagonal; the bound is above it
  /// and a bound 10⁻⁴ smaller would not be (so it is as tight as claimed, not merely large).
  @Test func spectralBoundOnKnownNorms() {
    let u = Self.matrix(30, 1, seed: 7, scale: 1), v = Self.matrix(1, 20, seed: 11, scale: 3)
    let w = u.flatMap { a in v.map { a * $0 } }
    // The Float32 products are the matrix; its norm, through Double sums, is ‖u‖‖v‖ to 10⁻¹⁵.
    let exact = u.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() * v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    let rankOne = SpectralNorm.upperBound(w, rows: 30, columns: 20)
    #expect(rankOne >= exact * (1 - 1e-6) && rankOne * (1 - 1e-4) < exact, "\(rankOne) against \(exact)")
    var diagonal = [Float](repeating: 0, count: 4 * 3)
    diagonal[0] = 3
    diagonal[4] = -2
    diagonal[8] = 1
    let d = SpectralNorm.upperBound(diagonal, rows: 4, columns: 3)
    #expect(d >= 3 && d * (1 - 1e-4) < 3, "\(d)")
    #expect(SpectralNorm.upperBound([Float](repeating: 0, count: 6), rows: 2, columns: 3) == 0)
  }

  /// A chain with every layer that has a norm-wise model (and attention, which has none).
  static let chain = """
    input 1x8x8
    patch_embed 16 2
    position_embedding
    layernorm
    dense 32
    gelu
    dense 16
    layernorm
    dense 48
    attention_heads 2
    dense 16
    token_meanpool
    layernorm
    dense 3
    loss softmax_cross_entropy
    """

  /// Layer by layer through the trainer's kernels: every Float32 row is within its ℓ2 bound of the
  /// exact row (the farthest point of the enclosure), every entry within its entrywise bound; the
  /// norm-wise bounds are never above the entrywise-only ones, and end below them.
  @Test(arguments: [Float(1), 20])
  func floatRowsAreWithinTheirNormBounds(factor: Float) throws {
    let (model, batch, enclosure) = try TransformerErrorBoundTests.forwardEnclosure(Self.chain, count: 2, factor: factor)
    let rows = Normwise.rowLengths(model)
    var p = ErrorPropagation(enclosure), entrywise = p
    p.norms = [Normwise.rowNorms(p.errors[0], row: rows[0])]
    entrywise.norms = p.norms
    model.reserve(batchCapacity: batch.count)
    var features = batch.features
    var checkedRows = 0
    try features.withUnsafeMutableBufferPointer { buffer in
      var current = UnsafeMatrix(buffer.baseAddress!, rows: batch.count, columns: batch.width)
      for (k, layer) in model.layers.enumerated() {
        GradientErrorBound.forwardStep(model, k, sources: [k], rows: rows, &p)
        GradientErrorBound.forwardStep(model, k, sources: [k], rows: rows, normwise: false, &entrywise)
        current = (layer as! any LayerKernels).forward(current, training: false)
        let exact = enclosure.activations[k + 1]
        let (bound, norms, row) = (p.errors[k + 1], p.norms[k + 1], rows[k + 1])
        try #require(bound.count == exact.count && current.count == exact.count && norms.count * row == exact.count)
        for r in norms.indices {
          var squares = 0.0
          for j in (r * row)..<(r * row + row) {
            let (lo, hi) = exact.doubleBounds(j)
            let f = Double(current.base[j])
            #expect(f - bound[j] <= lo && hi <= f + bound[j], "\(layer.name)[\(j)]: \(f) not within \(bound[j]) of [\(lo), \(hi)]")
            let far = max(abs(f - lo), abs(f - hi))
            squares += far * far
          }
          #expect(squares.squareRoot() <= norms[r], "\(layer.name) row \(r): distance \(squares.squareRoot()) above \(norms[r])")
          checkedRows += 1
        }
        for j in bound.indices { #expect(bound[j] <= entrywise.errors[k + 1][j], "\(layer.name)[\(j)]: norm-wise above entrywise") }
      }
    }
    #expect(checkedRows > 100)
    #expect(p.errors.last!.max()! < entrywise.errors.last!.max()!, "logits: \(p.errors.last!.max()!) against \(entrywise.errors.last!.max()!)")
  }

  /// On the tiny ViT (residual graph), every parameter's norm-wise gradient bound is at most its
  /// entrywise-only bound and the largest of them is smaller; the audit passes with them (the
  /// gradient is within them: `TransformerErrorBoundTests`).
  @Test func gradientBoundsShrinkOnTheTinyViT() throws {
    let (model, batch, enclosure) = try TransformerErrorBoundTests.forwardEnclosure(TransformerGradientAuditTests.tinyViT, count: 2, factor: 1)
    try enclosure.backward()
    let normwise = try GradientErrorBound.bounds(model: model, enclosure: enclosure)
    let entrywise = try GradientErrorBound.bounds(model: model, enclosure: enclosure, normwise: false)
    var shrunk = 0
    for (p, parameter) in model.parameters.enumerated() {
      for j in normwise[p].indices {
        #expect(normwise[p][j] <= entrywise[p][j] * (1 + 1e-12), "\(parameter.name)[\(j)]: \(normwise[p][j]) above \(entrywise[p][j])")
      }
      if normwise[p].max()! < entrywise[p].max()! { shrunk += 1 }
    }
    #expect(shrunk > 0)
    let report = try GradientAudit(precision: 128, directions: 0).run(model, on: batch, certificates: GradientAuditTests.store)
    #expect(report.passed, "\(report.verdict)")
  }
}
