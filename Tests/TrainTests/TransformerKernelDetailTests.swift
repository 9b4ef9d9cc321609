import Foundation
import Testing
@testable import Train

/// Details of the transformer kernels' fast paths: the order of `LaneSums`, and GELU's backward
/// pass reading the `erf` (`tanh`) values its forward pass kept.
@Suite("Transformer kernel details")
struct TransformerKernelDetailTests {
  /// Terms whose sum depends on the order of the additions (a large value cancels), so that a
  /// different order gives a different Float32 result.
  func terms(_ count: Int) -> [Float] {
    (0..<count).map { (i: Int) -> Float in
      if i % 3 != 0 { return Float(i) + 0.375 }
      return i % 2 == 0 ? 1.0e8 : -1.0e8
    }
  }

  @Test func laneSumsAddInTheDocumentedOrder() {
    for count in 0...27 {
      let t = terms(count)
      var lanes = [Float](repeating: 0, count: 8)
      let whole = count / 8 * 8
      for i in 0..<whole { lanes[i % 8] += t[i] }
      var expected = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
      for i in whole..<count { expected += t[i] }
      let got = LaneSums.sum(count) { t[$0] }
      #expect(got.bitPattern == expected.bitPattern, "\(count) terms: \(got), expected \(expected)")
      if count < 8 {
        // Below one group of eight the order is the plain loop's.
        #expect(got.bitPattern == t.reduce(0, +).bitPattern)
      }
    }
    // The order matters for these terms: the plain loop gives another value for some count.
    #expect((8...27).contains { count in LaneSums.sum(count) { terms(count)[$0] } != terms(count).reduce(0, +) })
  }

  /// The layer's backward pass after two forward passes gives the slope at the second input
  /// (computed here from `erff` afresh): the kept values are those of the last forward pass.
  @Test func geluBackwardReadsTheLastForwardPass() {
    for layer in [GELU(name: "gelu", input: [3, 8]), GELUTanh(name: "gelu_tanh", input: [3, 8])] {
      let batch = 4, width = layer.inputWidth
      var first = (0..<(batch * width)).map { Float($0 % 11) * 0.5 - 2.5 }
      var second = (0..<(batch * width)).map { Float($0 % 7) * -0.75 + 2 }
      var dy = (0..<(batch * width)).map { Float($0 % 5) - 1.5 }
      layer.reserve(batchCapacity: batch)
      let dx: [Float] = first.withUnsafeMutableBufferPointer { a in
        second.withUnsafeMutableBufferPointer { b in
          dy.withUnsafeMutableBufferPointer { g in
            _ = layer.forward(UnsafeMatrix(a.baseAddress!, rows: batch, columns: width), training: true)
            _ = layer.forward(UnsafeMatrix(b.baseAddress!, rows: batch, columns: width), training: true)
            return Array(layer.backward(UnsafeMatrix(g.baseAddress!, rows: batch, columns: width), needsInputGradient: true)!.buffer)
          }
        }
      }
      for k in 0..<(batch * width) {
        let v = second[k]
        let slope: Float
        if layer is GELUTanh {
          let c = Float((2 / Double.pi).squareRoot()), t = tanhf(c * (v + Float(0.044715) * v * v * v))
          slope = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + Float(3 * 0.044715) * v * v)
        } else {
          slope = 0.5 * (1 + erff(v * Float(1 / 2.0.squareRoot()))) + v * expf(-v * v * 0.5) * Float(1 / (2 * Double.pi).squareRoot())
        }
        #expect(abs(dx[k] - slope * dy[k]) <= 1e-6 * max(1, abs(slope * dy[k])), "\(layer.name)[\(k)] at \(v): \(dx[k]) vs \(slope * dy[k])")
      }
    }
  }
}
