@testable import Audit
import Foundation
import Intervals
import Testing
@testable import Train

/// The saturation-aware parts of the transformer rounding models (Docs/Audits.md, "Transformer
/// rounding models"): softmax's and layer norm's bounds stay finite and sound however large their
/// input's error, and GELU's slopes over an interval are the suprema there, not global constants.
@Suite("Saturated error bounds")
struct SaturatedErrorBoundTests {
  /// The exact softmax of `z` in Double (within `10⁻¹⁵` relative, far below the bounds compared).
  static func softmax(_ z: [Double]) -> [Double] {
    let m = z.max()!
    let e = z.map { exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
  }

  /// The trainer's Float32 softmax of logits `ẑ` at any distance from the exact `z` is within
  /// `SoftmaxRow.forwardError` of the exact weights, given that distance entry by entry; at
  /// distances of 10³ the bound is the saturation one, at most `p̂max`, and finite.
  @Test(arguments: [1e-3, 0.3, 4, 1e3])
  func softmaxIsWithinItsBoundAtAnyLogitError(scale: Double) throws {
    var random = SeededGenerator(seed: 3)
    var checked = 0
    for _ in 0..<50 {
      let n = 6
      let z = (0..<n).map { _ in Double(Float.random(in: -4...4, using: &random)) }
      var moved = z.map { Float($0 + Double.random(in: -scale...scale, using: &random)) }
      let errors = zip(moved, z).map { (Double($0) - $1).magnitude }
      let exact = Self.softmax(z)
      let weights = exact.map { min(1, $0 * (1 + 1e-12)) }
      let bound = SoftmaxRow.forwardError(weights: weights, magnitudes: z.map(\.magnitude), errors: errors)
      var out = [Float](repeating: 0, count: n)
      moved.withUnsafeMutableBufferPointer { zb in
        out.withUnsafeMutableBufferPointer { yb in
          Softmax.forward(z: UnsafeMatrix(zb.baseAddress!, rows: 1, columns: n), into: UnsafeMatrix(yb.baseAddress!, rows: 1, columns: n))
        }
      }
      for j in 0..<n {
        #expect(bound[j].isFinite && abs(Double(out[j]) - exact[j]) <= bound[j] + 1e-15, "\(j): \(out[j]) against \(exact[j]), bound \(bound[j])")
        if scale >= 1e3 { #expect(bound[j] <= SoftmaxRow.saturatedWeight(n) && SoftmaxRow.saturatedWeight(n) < 1 + 1e-5) }
        checked += 1
      }
    }
    #expect(checked == 300)
  }

  /// Layer norm's Float32 output from an input off by up to 3 or 30,000 times the largest entry
  /// is within its finite bound of the exact output, entry by entry. At 30,000 the mean's rounding
  /// rivals the variance (`ρ_V ≥ 1/2`), where the bound was infinite: the saturation caps hold.
  @Test(arguments: [3.0, 3e4])
  func layerNormIsWithinItsCappedBoundAtLargeInputErrors(factor: Double) throws {
    let model = try CNNGradientAuditTests.model("input 1x4x4\npatch_embed 4 2\nlayernorm\ntoken_meanpool\ndense 3\nloss softmax_cross_entropy\n")
    let batch = try CNNGradientAuditTests.batch(model, count: 2)
    let enclosure = try GradientEnclosure<IntervalVector>(
      model: model, rules: try TransformerGradientAuditTests.rules(model), batch: batch, precision: 128, threads: 1)
    try enclosure.forward()
    var p = ErrorPropagation(enclosure)
    let (x, exact) = (enclosure.activations[1], enclosure.activations[2])
    let largest = p.magnitudes[1].max()!
    p.errors.append(Array(repeating: factor * largest, count: x.count))  // layer 1's input: any value in a wide box
    let norm = try #require(model.layers[1] as? LayerNorm)
    let bound = norm.forwardError(at: 1, input: p.errors[1], p)
    #expect(bound.allSatisfy { $0.isFinite }, "\(bound)")
    if factor > 1e3 { #expect(bound.max()! < 10 * Double(norm.scale.value.scalars.map(abs).max()!) + 1, "\(bound)") }
    model.reserve(batchCapacity: batch.count)
    var random = SeededGenerator(seed: 7)
    var checked = 0
    for _ in 0..<20 {
      // Float32 inputs within 0.97 factor × largest of the exact ones (the enclosures are far narrower).
      var input = (0..<x.count).map { j -> Float in
        let (lo, hi) = x.doubleBounds(j)
        return Float(lo / 2 + hi / 2 + Double.random(in: -0.97...0.97, using: &random) * factor * largest)
      }
      try input.withUnsafeMutableBufferPointer { buffer in
        let y = norm.forward(UnsafeMatrix(buffer.baseAddress!, rows: batch.count, columns: x.count / batch.count), training: false)
        try #require(y.count == exact.count)
        for j in 0..<exact.count {
          let (lo, hi) = exact.doubleBounds(j)
          let f = Double(y.base[j])
          #expect(f - bound[j] <= lo && hi <= f + bound[j], "\(j): \(f) not within \(bound[j]) of [\(lo), \(hi)]")
          checked += 1
        }
      }
    }
    #expect(checked == 20 * exact.count)
  }

  /// GELU's (erf form) slope bounds over an interval hold at 2,001 points of it, and are the
  /// suprema there (a bound 0.1 % smaller is below a sampled value), not the global 1.15 and 0.82:
  /// near 0 far below 0.
  @Test func geluSlopesAreTheSupremaOverTheInterval() throws {
    let model = try CNNGradientAuditTests.model(TransformerGradientAuditTests.tinyViT)
    let gelu = try #require(model.layers.first { $0 is GELU && !($0 is GELUTanh) } as? GELU)
    let phi = { (z: Double) in exp(-z * z / 2) / (2 * Double.pi).squareRoot() }
    for (a, b) in [(-30.0, -20.0), (-6, -3), (-2, -1), (-1.5, -1.3), (-1, 1), (0.5, 3), (1.9, 2.1), (3, 8), (-0.2, 40)] {
      let (first, second) = gelu.slopes(a, b)
      var (sampledFirst, sampledSecond) = (0.0, 0.0)
      for i in 0...2000 {
        let z = a + (b - a) * Double(i) / 2000
        let slope = erfc(-z / 2.0.squareRoot()) / 2 + z * phi(z)
        let curvature = phi(z) * (2 - z * z)
        #expect(abs(slope) <= first && abs(curvature) <= second, "[\(a), \(b)] at \(z): \(slope), \(curvature) against \(first), \(second)")
        (sampledFirst, sampledSecond) = (max(sampledFirst, abs(slope)), max(sampledSecond, abs(curvature)))
      }
      #expect((first * 0.999 < sampledFirst || first < 2e-12) && (second * 0.999 < sampledSecond || second < 2e-12), "[\(a), \(b)]: \(first), \(second) against \(sampledFirst), \(sampledSecond)")
    }
    #expect(gelu.slopes(-30, -20).first < 1e-12 * 2 && gelu.slopes(-6, -3).first < 0.02)
    // The tanh form keeps the global constants.
    let tanh = try CNNGradientAuditTests.model(TransformerGradientAuditTests.tanhSoftmax)
    let form = try #require(tanh.layers.first { $0 is GELUTanh } as? GELU)
    #expect(form.slopes(-6, -3).first == GELU.slopeBound && form.slopes(-6, -3).second == GELU.curvatureBound)
  }
}
