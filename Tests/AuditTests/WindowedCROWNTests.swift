@testable import Audit
import Exact
import Intervals
import Testing

/// CROWN's identity rows on patches (`FastBounds+Windows.swift`): on small CNNs whose second
/// convolution's outputs are tightened through conv/pool/ReLU layers, with strides, padding,
/// overlapping and border-clipped pool windows, the patch rows give the full rows' bounds, the
/// fast tier's CROWN contains MPFI's at 256 bits and is within 1e-9 of it, and its bounds hold at
/// random points and corners of the ball (the exact network).
@Suite struct WindowedCROWNTests {
  /// (pool size, pool stride, second convolution's stride, its padding).
  static let shapes = [(2, 2, 1, 1), (3, 1, 2, 0), (3, 2, 2, 2), (2, 1, 1, 0)]

  /// Input 2×7×7 (odd, so windows clip at the borders): conv2d 2→3 3×3 pad 1, relu, maxpool,
  /// conv2d 3→4 3×3, relu, flatten, dense 3.
  static func network(seed: UInt64, _ shape: (Int, Int, Int, Int)) throws -> LayerNetwork {
    var random = SeededGenerator(seed: seed)
    func values(_ n: Int, _ scale: Float) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale, using: &random) } }
    let image = ImageShape(channels: 2, height: 7, width: 7)
    let c1 = try SparseAffineLayer.conv2d(input: image, outChannels: 3, size: 3, padding: 1, kernel: values(54, 0.6), bias: values(3, 0.3))
    let pool = try MaxPoolLayer(input: c1.output, size: shape.0, stride: shape.1)
    let c2 = try SparseAffineLayer.conv2d(
      input: pool.output, outChannels: 4, size: 3, stride: shape.2, padding: shape.3, kernel: values(108, 0.5), bias: values(4, 0.3))
    let width = c2.output.count
    return try LayerNetwork(layers: [
      c1.layer, ReLULayer(width: c1.output.count), pool, c2.layer, ReLULayer(width: width), SparseAffineLayer.flatten(width: width),
      try DenseLayer(inputWidth: width, outputWidth: 3, weights: values(3 * width, 0.7), bias: values(3, 0.2)),
    ])
  }

  static func boxes(_ count: Int, epsilon: Rational, _ random: inout SeededGenerator) throws -> [InputBox] {
    try (0..<count).map { _ in try InputBox(pixels: randomPixels(98, &random), epsilon: epsilon) }
  }

  /// Both directions of every output of the second convolution, on IBP's bounds: the patch rows
  /// and the full rows (`FastBounds.backward`) bound the same sums; they agree to rounding.
  @Test func patchRowsAgreeWithFullRows() throws {
    var random = SeededGenerator(seed: 3)
    for (k, shape) in Self.shapes.enumerated() {
      let fast = try FastBounds(network: Self.network(seed: UInt64(k + 1), shape))
      let shapes = try #require(fast.windowShapes(through: 3))
      #expect(shapes.map(\.count) == (0...4).map { $0 == 0 ? 98 : fast.body[$0 - 1].outputWidth })
      for epsilon in [Rational(1, 50), Rational(1, 5)] {
        let boxes = try Self.boxes(2, epsilon: epsilon, &random)
        var nodes = [FastBounds.batch(boxes[...], width: 98)]
        let workspace = FastWorkspace()
        for l in 0...3 { nodes.append(fast.body[l].propagate(nodes[l], workspace)) }
        let m = fast.body[3].outputWidth
        let targets = Array(0..<(2 * m))
        let patches = fast.windowedIdentityBackward(targets: targets, through: 3, shapes: shapes, nodes: nodes, workspace)
        let full = fast.backward(rows: targets.flatMap { [$0 / m, $0 / m] }, width: m, through: 3, nodes: nodes, patches: false, workspace) { slice, lambda, gamma in
          for (s, row) in slice.enumerated() {
            for j in 0..<m { lambda[s * m + j] = 0 }
            lambda[s * m + targets[row / 2] % m] = row % 2 == 0 ? 1 : -1
            gamma[s] = 0
          }
        }
        #expect(patches.count == full.count)
        for i in full.indices {
          #expect(full[i].isFinite && patches[i].isFinite)
          #expect((patches[i] - full[i]).magnitude <= 1e-12 * (1 + full[i].magnitude), "shape \(k) ε \(epsilon) row \(i)")
        }
        // Each lower bound of +y and −y: lower ≤ upper.
        for t in targets.indices { #expect(patches[2 * t] <= -patches[2 * t + 1]) }
      }
    }
  }

  /// Full rows from the top of the body (as the margins' and a dense layer's rows) run as patches
  /// over the whole map below the max pool (`FastBounds.patchChain`; fused with the ReLU and the
  /// convolution below it where the pool's windows do not overlap, `PoolReLUConvStep`): the same
  /// bounds as every step on full rows, to rounding.
  @Test func fullRowsAsPatchesAgreeWithFullRows() throws {
    var random = SeededGenerator(seed: 5)
    for (k, shape) in Self.shapes.enumerated() {
      let fast = try FastBounds(network: Self.network(seed: UInt64(k + 21), shape))
      let top = fast.body.count - 1
      #expect(fast.patchChain(below: top)?.top == 2)
      let m = fast.body[top].outputWidth
      let coefficients = (0..<(6 * m)).map { _ in Double.random(in: -1...1, using: &random) }
      for epsilon in [Rational(1, 50), Rational(1, 5)] {
        let boxes = try Self.boxes(2, epsilon: epsilon, &random)
        let workspace = FastWorkspace()
        let nodes = fast.tightenedNodes(FastBounds.batch(boxes[...], width: 98), workspace)
        let rows = [0, 0, 0, 1, 1, 1]
        func bounds(_ patches: Bool) -> [Double] {
          fast.backward(rows: rows, width: m, through: top, nodes: nodes, patches: patches, workspace) { slice, lambda, gamma in
            for (s, row) in slice.enumerated() {
              for j in 0..<m { lambda[s * m + j] = coefficients[row * m + j] }
              gamma[s] = 0
            }
          }
        }
        let patched = bounds(true), full = bounds(false)
        for i in full.indices {
          #expect(full[i].isFinite && patched[i].isFinite)
          #expect((patched[i] - full[i]).magnitude <= 1e-12 * (1 + full[i].magnitude), "shape \(k) ε \(epsilon) row \(i)")
        }
      }
    }
  }

  /// The fast tier's CROWN (patch rows for the second convolution) contains MPFI's at 256 bits,
  /// hidden and margin, within 1e-9 at the margins, and holds at points and corners of the ball.
  @Test func crownContainsMPFIAndTheNetwork() throws {
    var random = SeededGenerator(seed: 7)
    for (k, shape) in Self.shapes.enumerated() {
      let network = try Self.network(seed: UInt64(k + 11), shape)
      let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 256))
      let fast = try FastBounds(network: network)
      for epsilon in [Rational(1, 255), Rational(1, 20), Rational(1, 4)] {
        let box = try Self.boxes(1, epsilon: epsilon, &random)[0]
        let t = Int.random(in: 0..<3, using: &random)
        let reference = mpfi.crown(over: box, trueClass: t)
        let bounds = fast.crown(over: [box], trueClasses: [t])[0]
        #expect(bounds.hiddenLower.count == reference.hiddenLower.count)
        for l in reference.hiddenLower.indices {
          for i in reference.hiddenLower[l].indices {
            #expect(bounds.hiddenLower[l][i].isLowerBound(of: reference.hiddenLower[l][i]), "layer \(l) value \(i)")
            #expect(bounds.hiddenUpper[l][i].isUpperBound(of: reference.hiddenUpper[l][i]), "layer \(l) value \(i)")
          }
        }
        for r in reference.marginLower.indices {
          #expect(bounds.marginLower[r].isLowerBound(of: reference.marginLower[r]) && bounds.marginUpper[r].isUpperBound(of: reference.marginUpper[r]))
          #expect(reference.marginLower[r] - bounds.marginLower[r].exactValue! < Rational(1, 1_000_000_000), "shape \(k) ε \(epsilon) margin \(r)")
        }
        let points = (0..<6).map { _ in randomPoint(in: box, &random) }
          + (0..<6).map { _ in box.corner(UInt64.random(in: 0...UInt64.max, using: &random)) } + [box.lower, box.upper]
        for point in points {
          let logits = network.logits(at: point)
          let margins = (0..<3).filter { $0 != t }.map { logits[t] - logits[$0] }
          for r in margins.indices {
            #expect(bounds.marginLower[r].isLowerBound(of: margins[r]) && bounds.marginUpper[r].isUpperBound(of: margins[r]))
          }
        }
      }
    }
  }

  /// Layers without a patch step (batch norm, a depthwise convolution) keep the full rows.
  @Test func otherLayersKeepFullRows() throws {
    let fast = try FastBounds(network: CNNReference(seed: 1).network())
    #expect(fast.windowShapes(through: 0) != nil)  // the first convolution alone
    #expect(fast.windowShapes(through: 1) == nil)  // batch norm has no geometry
    #expect(fast.windowShapes(through: 4) == nil)  // nor the depthwise convolution
  }
}
