import Audit
import Exact
import Intervals

/// A small CNN given by its raw parameters in the trainer's layouts, evaluated independently of
/// the audit's layers: straight from the definitions, in MPFI at 512 bits (batch norm's square
/// root is irrational, so the reference is an enclosure about 2⁻⁵⁰⁰ wide).
///
/// Input 1×6×6: conv2d 1→2 3×3 pad 1 (channel 1's kernel is zero, so its max-pool windows tie at
/// every point), batch norm (running statistics), relu, maxpool 2, depthwise 2×2 pad 1 stride 1,
/// relu, avgpool 2, flatten, dense 3.
struct CNNReference {
  static let precision = 512
  var conv: [Float], convBias: [Float]            // [2, 1, 3, 3], [2]
  var g: [Float], b: [Float], m: [Float], v: [Float]  // [2] each
  var depthwise: [Float], depthwiseBias: [Float]  // [2, 2, 2], [2]
  var dense: [Float], denseBias: [Float]          // [3, 8], [3]
  /// Without it, the same network with no batch norm (the trainer builds that model quickly).
  var batchNorm = true

  init(seed: UInt64) {
    var random = SeededGenerator(seed: seed)
    func values(_ n: Int, _ scale: Float) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale, using: &random) } }
    conv = values(9, 0.8) + [Float](repeating: 0, count: 9)
    convBias = values(2, 0.3)
    g = values(2, 1.5)
    b = values(2, 0.4)
    m = values(2, 0.3)
    v = (0..<2).map { _ in Float.random(in: 0.05...2, using: &random) }
    depthwise = values(8, 0.9)
    depthwiseBias = values(2, 0.2)
    dense = values(24, 1)
    denseBias = values(3, 0.2)
  }

  /// The spec of the same network, as `certify train` writes it.
  var spec: String {
    """
    input 1x6x6
    conv2d 1->2 3 pad 1
    \(batchNorm ? "batchnorm\n" : "")relu
    maxpool 2
    depthwise_conv2d 2 pad 1
    relu
    avgpool 2
    flatten
    dense 3
    loss softmax_cross_entropy
    """
  }

  /// The network as the audit's layers, built with the library's factories.
  func network() throws -> LayerNetwork {
    let image = ImageShape(channels: 1, height: 6, width: 6)
    let c1 = try SparseAffineLayer.conv2d(input: image, outChannels: 2, size: 3, padding: 1, kernel: conv, bias: convBias)
    let norm = try SparseAffineLayer.batchNorm(input: c1.output, scale: g, shift: b, mean: m, variance: v, epsilon: 1e-5)
    let pool = try MaxPoolLayer(input: c1.output, size: 2, stride: 2)
    let d = try SparseAffineLayer.depthwiseConv2d(input: pool.output, size: 2, padding: 1, kernel: depthwise, bias: depthwiseBias)
    let average = try SparseAffineLayer.averagePool(input: d.output, size: 2, stride: 2)
    return try LayerNetwork(layers: (batchNorm ? [c1.layer, norm] : [c1.layer]) + [
      ReLULayer(width: 72), pool, d.layer, ReLULayer(width: 32), average.layer,
      SparseAffineLayer.flatten(width: 8), try DenseLayer(inputWidth: 8, outputWidth: 3, weights: dense, bias: denseBias),
    ])
  }

  /// Enclosures of the exact logits at `x` (36 pixels), from the definitions.
  func logits(at x: [Rational]) -> [Interval] {
    let p = Self.precision
    func exact(_ value: Float) -> Interval { Interval(Rational(exactlyFloat: value), precision: p) }
    let zero = Interval(0, precision: p)
    func at(_ a: [Interval], _ c: Int, _ h: Int, _ w: Int, side: Int) -> Interval {
      (0..<side).contains(h) && (0..<side).contains(w) ? a[(c * side + h) * side + w] : zero
    }
    let input = x.map { Interval($0, precision: p) }
    // conv2d, then batch norm y = g (x − m) / √(v + ε) + b, then relu: 2×6×6.
    var h1 = [Interval](repeating: zero, count: 72)
    for o in 0..<2 {
      let root = try! Interval.sqrt(exact(v[o]) + exact(1e-5))
      for i in 0..<6 {
        for j in 0..<6 {
          var sum = exact(convBias[o])
          for p in 0..<3 { for q in 0..<3 { sum += exact(conv[(o * 3 + p) * 3 + q]) * at(input, 0, i + p - 1, j + q - 1, side: 6) } }
          h1[(o * 6 + i) * 6 + j] = Interval.relu(batchNorm ? exact(g[o]) * (sum - exact(m[o])) / root + exact(b[o]) : sum)
        }
      }
    }
    // maxpool 2: 2×3×3.
    var h2 = [Interval](repeating: zero, count: 18)
    for c in 0..<2 {
      for i in 0..<3 {
        for j in 0..<3 {
          let window = (0..<4).map { h1[(c * 6 + 2 * i + $0 / 2) * 6 + 2 * j + $0 % 2] }
          h2[(c * 3 + i) * 3 + j] = window.dropFirst().reduce(window[0]) { Interval.maximum($0, $1) }
        }
      }
    }
    // depthwise 2×2, pad 1, then relu: 2×4×4.
    var h3 = [Interval](repeating: zero, count: 32)
    for c in 0..<2 {
      for i in 0..<4 {
        for j in 0..<4 {
          var sum = exact(depthwiseBias[c])
          for p in 0..<2 { for q in 0..<2 { sum += exact(depthwise[(c * 2 + p) * 2 + q]) * at(h2, c, i + p - 1, j + q - 1, side: 3) } }
          h3[(c * 4 + i) * 4 + j] = Interval.relu(sum)
        }
      }
    }
    // avgpool 2: 2×2×2, flattened channels first; dense 3.
    var h4 = [Interval](repeating: zero, count: 8)
    for c in 0..<2 {
      for i in 0..<2 {
        for j in 0..<2 {
          let sum = (0..<4).reduce(zero) { $0 + h3[(c * 4 + 2 * i + $1 / 2) * 4 + 2 * j + $1 % 2] }
          h4[(c * 2 + i) * 2 + j] = sum / Rational(4)
        }
      }
    }
    return (0..<3).map { o in (0..<8).reduce(exact(denseBias[o])) { $0 + exact(dense[o * 8 + $1]) * h4[$1] } }
  }
}
