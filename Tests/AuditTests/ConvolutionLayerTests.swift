import Audit
import Exact
import Foundation
import Testing

/// The convolutional layer kinds in the enclosure tiers (issue 19's groundwork): conv2d, batch
/// norm, average and global average pooling, flatten (sparse affine maps, no dense matrix) and max
/// pooling (IBP and a CROWN relaxation), held against exact evaluation.
@Suite struct ConvolutionLayerTests {
  /// A small CNN on a 1 × 6 × 6 image: conv 3×3 pad 1 → batch norm → relu → max pool 2 → conv 2×2
  /// → relu → average pool 2 (stride 1) → global average pool → flatten → dense 3.
  static func network(seed: UInt64) throws -> LayerNetwork {
    var random = SeededGenerator(seed: seed)
    func values(_ n: Int, _ scale: Float) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale, using: &random) } }
    let image = ImageShape(channels: 1, height: 6, width: 6)
    let conv1 = try SparseAffineLayer.conv2d(input: image, outChannels: 2, size: 3, padding: 1, kernel: values(18, 0.8), bias: values(2, 0.2))
    let norm = try SparseAffineLayer.batchNorm(input: conv1.output, scale: values(2, 1.5), shift: values(2, 0.3))
    let pool = try MaxPoolLayer(input: conv1.output, size: 2, stride: 2)
    let conv2 = try SparseAffineLayer.conv2d(input: pool.output, outChannels: 3, size: 2, kernel: values(24, 0.7), bias: values(3, 0.2))
    let average = try SparseAffineLayer.averagePool(input: conv2.output, size: 2, stride: 1)
    let global = SparseAffineLayer.globalAveragePool(input: average.output)
    let head = try DenseLayer(inputWidth: 3, outputWidth: 3, weights: values(9, 1.2), bias: values(3, 0.2))
    return try LayerNetwork(layers: [
      conv1.layer, norm, ReLULayer(width: conv1.output.count), pool, conv2.layer, ReLULayer(width: conv2.output.count),
      average.layer, global, SparseAffineLayer.flatten(width: 3), head,
    ])
  }

  /// Each layer's input at `x`, exactly, and the logits.
  static func nodes(_ network: LayerNetwork, _ x: [Rational]) -> [[Rational]] {
    var result = [x]
    for layer in network.layers { result.append(layer.output(at: result[result.count - 1])) }
    return result
  }

  /// The convolution is PyTorch's cross-correlation with zero padding, checked entry by entry.
  @Test func convolutionMatchesItsDefinition() throws {
    let image = ImageShape(channels: 2, height: 4, width: 5)
    let kernel: [Float] = (0..<(3 * 2 * 3 * 3)).map { Float($0 % 7) - 3 }
    let (conv, output) = try SparseAffineLayer.conv2d(input: image, outChannels: 3, size: 3, stride: 2, padding: 1, kernel: kernel, bias: [1, 0, -1])
    #expect(output == ImageShape(channels: 3, height: 2, width: 3))
    let x = (0..<image.count).map { Rational($0 * 3 % 11, 7) }
    let y = conv.output(at: x)
    for o in 0..<3 {
      for i in 0..<2 {
        for j in 0..<3 {
          var sum = Rational([1, 0, -1][o])
          for c in 0..<2 {
            for p in 0..<3 {
              for q in 0..<3 {
                let h = 2 * i + p - 1, w = 2 * j + q - 1
                if h >= 0 && h < 4 && w >= 0 && w < 5 {
                  sum += Rational(Int(kernel[((o * 2 + c) * 3 + p) * 3 + q])) * x[(c * 4 + h) * 5 + w]
                }
              }
            }
          }
          #expect(y[(o * 2 + i) * 3 + j] == sum)
        }
      }
    }
    #expect(throws: AuditError.self) { try SparseAffineLayer.conv2d(input: image, outChannels: 3, size: 3, kernel: [1], bias: [0, 0, 0]) }
    #expect(throws: AuditError.self) { try MaxPoolLayer(input: image, size: 5, stride: 1) }
  }

  /// IBP and CROWN in the exact tier and MPFI at 128 bits: every bound holds at random points and
  /// corners of the ball, for the margins and for the input of every ReLU and max pool.
  @Test(arguments: [Rational(1, 100), Rational(1, 10), Rational(1, 2)])
  func boundsHoldAtPointsAndCorners(epsilon: Rational) throws {
    var random = SeededGenerator(seed: 17)
    for seed in UInt64(1)...3 {
      let network = try Self.network(seed: seed)
      let relaxed = network.layers.indices.filter { !network.layers[$0].isAffine }
      let pixels = randomPixels(36, &random)
      let box = try InputBox(pixels: pixels, epsilon: epsilon)
      let t = Int(seed % 3)
      let exact = IntervalBounds(network: network, arithmetic: ExactArithmetic())
      let mpfi = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: 128))
      let all = [
        exact.intervalBoundPropagation(over: box, trueClass: t), exact.crown(over: box, trueClass: t),
        mpfi.intervalBoundPropagation(over: box, trueClass: t), mpfi.crown(over: box, trueClass: t),
      ]
      let points = (0..<10).map { _ in randomPoint(in: box, &random) } + (0..<10).map { _ in box.corner(UInt64.random(in: 0...UInt64.max, using: &random)) }
      for point in points {
        let values = Self.nodes(network, point)
        let margins = exactMargins(values[values.count - 1], trueClass: t)
        for (k, bounds) in all.enumerated() {
          #expect(zip(bounds.marginLower, margins).allSatisfy { $0 <= $1 }, "bounds \(k), seed \(seed)")
          #expect(zip(bounds.marginUpper, margins).allSatisfy { $0 >= $1 }, "bounds \(k), seed \(seed)")
          for (h, position) in relaxed.enumerated() {
            #expect(values[position].indices.allSatisfy { bounds.hiddenLower[h][$0] <= values[position][$0] && values[position][$0] <= bounds.hiddenUpper[h][$0] })
          }
        }
      }
      // CROWN's margin bound is never below IBP's (it keeps the larger), in both tiers.
      #expect(zip(all[1].marginLower, all[0].marginLower).allSatisfy { $0 >= $1 })
      #expect(zip(all[3].marginLower, all[2].marginLower).allSatisfy { $0 >= $1 })
    }
  }

  /// The Float64 tier and the attack take the same network: every bound holds at points and
  /// corners, the certified images are certified by MPFI too, and an attack's point is
  /// misclassified exactly.
  @Test func fastTierIsSoundOnTheCNN() throws {
    var random = SeededGenerator(seed: 29)
    let network = try Self.network(seed: 2)
    let fast = try FastBounds(network: network)
    let relaxed = network.layers.indices.filter { !network.layers[$0].isAffine }
    for epsilon in [Rational(1, 100), Rational(1, 10), Rational(1, 2)] {
      let boxes = try (0..<6).map { _ in try InputBox(pixels: randomPixels(36, &random), epsilon: epsilon) }
      let classes = (0..<6).map { $0 % 3 }
      for method in BoundMethod.allCases {
        let bounds = fast.bounds(method, over: boxes, trueClasses: classes)
        for (b, box) in boxes.enumerated() {
          for point in (0..<6).map({ _ in randomPoint(in: box, &random) }) + (0..<6).map({ _ in box.corner(UInt64.random(in: 0...UInt64.max, using: &random)) }) {
            let values = Self.nodes(network, point)
            let margins = exactMargins(values[values.count - 1], trueClass: classes[b])
            #expect(zip(bounds[b].marginLower, margins).allSatisfy { $0.isLowerBound(of: $1) }, "\(method) ε \(epsilon) box \(b)")
            #expect(zip(bounds[b].marginUpper, margins).allSatisfy { $0.isUpperBound(of: $1) }, "\(method) ε \(epsilon) box \(b)")
            for (h, position) in relaxed.enumerated() {
              #expect(values[position].indices.allSatisfy {
                bounds[b].hiddenLower[h][$0].isLowerBound(of: values[position][$0]) && bounds[b].hiddenUpper[h][$0].isUpperBound(of: values[position][$0])
              })
            }
          }
        }
      }
    }
    let attack = try PGDAttack(network: network, steps: 50, restarts: 2, seed: 3)
    var broken = 0
    for _ in 0..<6 {
      let box = try InputBox(pixels: randomPixels(36, &random), epsilon: Rational(1, 2))
      if let point = attack.attack(box, label: 0) {
        broken += 1
        #expect(box.contains(point))
        #expect(network.predictedClass(at: point) != 0)
      }
    }
    #expect(broken > 0)
  }

  /// Max pooling's relaxation: where one input dominates its window, CROWN is exact for it; a
  /// network of one max pool and a dense head gets the exact margin range from CROWN.
  @Test func maxPoolRelaxationIsExactWhereAnInputDominates() throws {
    let image = ImageShape(channels: 1, height: 2, width: 2)
    let pool = try MaxPoolLayer(input: image, size: 2, stride: 2)
    let head = try DenseLayer(inputWidth: 1, outputWidth: 2, weights: [1, -1], bias: [0, 0])
    let network = try LayerNetwork(layers: [SparseAffineLayer.flatten(width: 4), pool, head])
    // Pixel 3 is above the others on the whole box: y = x_3, margin z_0 − z_1 = 2 x_3.
    let box = try InputBox(lower: [0, Rational(1, 10), 0, Rational(1, 2)], upper: [Rational(1, 5), Rational(3, 10), Rational(2, 5), 1])
    let crown = IntervalBounds(network: network, arithmetic: ExactArithmetic()).crown(over: box, trueClass: 0)
    #expect(crown.marginLower == [1])
    #expect(crown.marginUpper == [2])
  }
}
