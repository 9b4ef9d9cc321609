import Audit
import Certificates
import Exact
import Foundation
import Intervals
import Testing
import Train

/// The gradient audit of CNNs: the enclosure contains the exact gradient at small sizes for every
/// layer kind (conv2d and depthwise at strides 1 and 2, relu, max, average and global average
/// pooling, flatten, dense over an image), the trainer's Float32 gradient lies within the a priori
/// bound, max-pool ties are counted, and batch norm in training form is enclosed without a bound.
@Suite("CNN gradient audit")
struct CNNGradientAuditTests {
  static let store = GradientAuditTests.store

  /// With MSE every value is rational, so the exact gradient is a rational vector.
  static let specs = [
    "input 1x6x6\nconv2d 1->2 3 pad 1\nrelu\nmaxpool 2\nflatten\ndense 3\nloss mse\n",
    "input 2x5x5\nconv2d 2->2 3 stride 2 pad 1\nrelu\ndepthwise_conv2d 2 pad 1\nrelu\navgpool 2 stride 1\nflatten\ndense 2\nloss mse\n",
    "input 2x6x6\ndepthwise_conv2d 3 stride 2 pad 1\nrelu\nconv2d 2->3 1\nglobal_avgpool\ndense 2\nloss mse\n",
    "input 1x6x6\nconv2d 1->2 3 pad 1\nrelu\navgpool 2\nflatten\ndense 2\nloss mse\n",
    // The other max poolings: overlapping 3 x 3 and 2 x 2 windows, 3 x 3 at stride 2.
    "input 1x5x5\nconv2d 1->2 3 pad 1\nrelu\nmaxpool 3 stride 1\nflatten\ndense 2\nloss mse\n",
    "input 1x5x5\nconv2d 1->2 3 pad 1\nrelu\nmaxpool 2 stride 1\nflatten\ndense 2\nloss mse\n",
    "input 1x7x7\nconv2d 1->2 3 pad 1\nrelu\nmaxpool 3 stride 2\nflatten\ndense 2\nloss mse\n",
  ]

  /// The model of `spec` with random biases: the trainer's zero biases put relu inputs at exactly 0
  /// wherever a window reads only relu zeros, a kink where the loss is not differentiable.
  static func model(_ spec: String, seed: UInt64 = 5) throws -> Sequential {
    let model = try GradientAuditTests.model(spec, seed: seed)
    var random = SeededGenerator(seed: seed &+ 100)
    for p in model.parameters where p.name.hasSuffix(".b") {
      p.value = Tensor(shape: p.shape, scalars: (0..<p.value.count).map { _ in Float.random(in: -0.25...0.25, using: &random) })
    }
    return model
  }

  static func batch(_ model: Sequential, count: Int, seed: UInt64 = 11) throws -> GradientBatch {
    var random = SeededGenerator(seed: seed)
    let features = (0..<(model.inputWidth * count)).map { _ in Float.random(in: 0...1, using: &random) }
    let labels = (0..<count).map { _ in Int32.random(in: 0..<Int32(model.outputWidth), using: &random) }
    return try GradientBatch(features: features, labels: labels, width: model.inputWidth)
  }

  /// The exact gradient, by forward-mode dual numbers over `Rational` through an independent
  /// evaluation of the layers (`exactCNNLoss`), is inside the 128-bit enclosure, entry by entry.
  @Test(arguments: specs)
  func enclosureContainsTheExactGradient(spec: String) throws {
    let model = try Self.model(spec)
    let batch = try Self.batch(model, count: 2)
    let rules = try Dictionary(uniqueKeysWithValues: model.ruleNames.map { ($0, try ReplayedRule.load($0, from: Self.store)) })
    let enclosure = try GradientEnclosure<IntervalVector>(model: model, rules: rules, batch: batch, precision: 128, threads: 2)
    try enclosure.forward()
    try enclosure.backward()
    let loss = try enclosure.meanLoss()
    let value = try exactCNNLoss(model, batch, seed: nil).v
    #expect(try Rational(exactly: loss.lower) <= value && value <= (try Rational(exactly: loss.upper)))
    for (p, parameter) in model.parameters.enumerated() {
      for k in 0..<parameter.value.count {
        let exact = try exactCNNLoss(model, batch, seed: (p, k)).t
        #expect(enclosure.gradients[p].contains(k, exact), "\(parameter.name)[\(k)] = \(exact)")
      }
    }
  }

  /// The trainer's Float32 gradient is within the a priori bound for every tensor, and the
  /// finite differences agree (MSE and softmax cross-entropy).
  @Test(arguments: specs + [specs[0].replacingOccurrences(of: "loss mse", with: "loss softmax_cross_entropy")])
  func floatGradientIsWithinTheBound(spec: String) throws {
    let model = try Self.model(spec)
    let batch = try Self.batch(model, count: 5)
    let report = try GradientAudit(precision: 128, directions: 1).run(model, on: batch, certificates: Self.store)
    for t in report.tensors {
      #expect(t.bounded && t.withinBound && t.maxBound.isFinite, "\(t.name): \(t)")
      #expect(t.maxAbsError <= t.maxBound)
      #expect(t.maxAbsError < 1e-4, "\(t.name): an error far above rounding")
    }
    let consistent = report.checks.allSatisfy { $0.consistent }
    #expect(report.checks.count == 1 && consistent, "\(report.checks)")
    #expect(report.passed && report.verdict.hasPrefix("PASSED"))
  }

  /// A perturbed convolution weight gradient is flagged in its tensor.
  @Test func perturbedConvolutionGradientIsFlagged() throws {
    let model = try Self.model(Self.specs[0])
    let batch = try Self.batch(model, count: 3)
    let report = try GradientAudit(precision: 128, directions: 0).run(model, on: batch, certificates: Self.store) { g in
      g[0][4] += 1e-3 + abs(g[0][4]) * 1e-2
    }
    #expect(report.tensors[0].outside == 1 && !report.passed, "\(report.table())")
    #expect(report.verdict == "FAILED: entries not certainly within the a priori bound in \(report.tensors[0].name)")
  }

  /// A constant image through a positive filter gives equal positive maxima inside the image: the
  /// pool's windows tie there. The ties are counted and reported (table and JSON `ties`); the
  /// certified rule sends the gradient to another entry than the trainer, and the bound allows
  /// for it (each tied entry may differ by `|dy|`), so the audit still passes.
  @Test func maxPoolTiesAreReported() throws {
    let model = try Self.model(Self.specs[0])
    model.parameters[0].value = Tensor(shape: [2, 1, 3, 3], scalars: [Float](repeating: 0.25, count: 18))
    model.parameters[1].value = Tensor(shape: [2], scalars: [0.125, 0.5])
    let batch = try GradientBatch(features: [Float](repeating: 0.5, count: 36), labels: [1], width: 36)
    let report = try GradientAudit(precision: 128, directions: 0).run(model, on: batch, certificates: Self.store)
    let ties = try #require(report.ties["maxpool1"])
    #expect(ties.exact > 0)
    #expect(report.table().contains("max-pool ties") && report.table().contains("maxpool1: \(ties.exact) exactly equal"))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
    let tiesJSON = try #require(json["ties"] as? [String: [String: Int]])
    #expect(tiesJSON["maxpool1"]?["exact"] == ties.exact)
    #expect(report.passed, "\(report.table())")
  }

  /// `--enclosures` arrays keep each CNN tensor's shape (`[D, C, K, K]` for a convolution).
  @Test func enclosureArraysHaveTheTrainerShapes() throws {
    let model = try Self.model(Self.specs[1])
    let batch = try Self.batch(model, count: 2)
    let report = try GradientAudit(precision: 64, directions: 0).run(model, on: batch, certificates: Self.store)
    let archive = report.arrays.archive()
    #expect(archive["conv2d1.w_lo"]?.shape == [2, 2, 3, 3])
    #expect(archive["depthwise_conv2d1.w_hi"]?.shape == [2, 2, 2])
    #expect(archive["dense1.W_float32"]?.shape == [2, 2, 3, 3])
    #expect(archive["inputs"]?.shape == [2, 50])
  }

  /// Batch norm in training form (the batch's statistics, `(var + eps)^(-1/2)` through an interval
  /// square root) is enclosed: the enclosures at 128 bits contain those at 256 bits' midpoints
  /// (they overlap), the trainer's own Float32 gradient (its hand-written kernels) is within 1e-5,
  /// and the finite differences of the forward pass agree with the enclosed derivative. It has no
  /// rounding model, so the report says NO A PRIORI BOUND and names the layer.
  @Test func batchNormIsEnclosedWithoutAPrioriBound() throws {
    let model = try Self.model("input 2x4x4\nconv2d 2->2 3 pad 1\nbatchnorm\nrelu\nmaxpool 2\nflatten\ndense 3\nloss softmax_cross_entropy\n")
    model.parameters[2].value = Tensor(shape: [2], scalars: [1.25, 0.75])  // batchnorm1.g
    let batch = try Self.batch(model, count: 4)
    let report = try GradientAudit(precision: 128, directions: 2).run(model, on: batch, certificates: Self.store)
    #expect(report.unbounded == "layer 2 (batchnorm1) has no floating-point error model")
    #expect(report.verdict.hasPrefix("NO A PRIORI BOUND") && report.passed, "\(report.table())")
    let consistent = report.checks.allSatisfy { $0.consistent }
    #expect(report.checks.count == 2 && consistent, "\(report.checks)")
    for t in report.tensors {
      #expect(!t.bounded && t.maxAbsError < 1e-5, "\(t.name): \(t)")
    }
    let finer = try GradientAudit(precision: 256, directions: 0).run(model, on: batch, certificates: Self.store)
    for (coarse, fine) in zip(report.arrays.tensors, finer.arrays.tensors) {
      for k in coarse.lower.indices {
        #expect(coarse.lower[k] <= fine.upper[k] && fine.lower[k] <= coarse.upper[k], "\(coarse.name)[\(k)]")
        // 128 bits rounded outward to Doubles: a couple of Double ulps wide, or about 2^-100
        // absolute where the value cancels to near 0.
        #expect(coarse.upper[k] - coarse.lower[k] <= 2 * (coarse.upper[k].magnitude.ulp + coarse.lower[k].magnitude.ulp) + 1e-30,
                "\(coarse.name)[\(k)] is not tight")
      }
    }
  }
}

// MARK: - Exact reference

/// A value and its derivative along one parameter entry, in exact rationals.
struct Dual {
  var v: Rational
  var t: Rational
  static let zero = Dual(v: Rational(0), t: Rational(0))
  static func + (a: Dual, b: Dual) -> Dual { Dual(v: a.v + b.v, t: a.t + b.t) }
  static func - (a: Dual, b: Dual) -> Dual { Dual(v: a.v - b.v, t: a.t - b.t) }
  static func * (a: Dual, b: Dual) -> Dual { Dual(v: a.v * b.v, t: a.v * b.t + a.t * b.v) }
  func scaled(_ r: Rational) -> Dual { Dual(v: v * r, t: t * r) }
}

/// The batch-mean MSE loss of `model` on `batch` (one-hot targets), evaluated exactly from the
/// layers' definitions, written here independently of the audit: `seed` (parameter, entry) gets
/// derivative 1, so `.t` is that gradient entry.
func exactCNNLoss(_ model: Sequential, _ batch: GradientBatch, seed: (Int, Int)?) throws -> Dual {
  var parameters: [[Dual]] = []
  for (p, parameter) in model.parameters.enumerated() {
    parameters.append(try parameter.value.scalars.enumerated().map { k, x in
      Dual(v: try Rational(exactly: Double(x)), t: Rational(seed.map { $0 == (p, k) } ?? false ? 1 : 0))
    })
  }
  var total = Dual.zero
  for b in 0..<batch.count {
    // The values of the model's graph (a chain: each layer reads the one before): 0 the input.
    var values = [try batch.features[(b * batch.width)..<((b + 1) * batch.width)].map { Dual(v: try Rational(exactly: Double($0)), t: Rational(0)) }]
    var next = 0
    for (k, layer) in model.layers.enumerated() {
      let own = Array(parameters[next..<(next + layer.parameters.count)])
      next += layer.parameters.count
      let reads = model.spec.sources(of: k)
      switch layer {
      case is Add: values.append(zip(values[reads[0]], values[reads[1]]).map { $0 + $1 })
      case is Mul: values.append(zip(values[reads[0]], values[reads[1]]).map { $0 * $1 })
      default: values.append(exactLayer(layer, values[reads[0]], own))
      }
    }
    let x = values.last!
    let n = x.count
    for (o, y) in x.enumerated() {
      let d = y - Dual(v: Rational(o == Int(batch.labels[b]) ? 1 : 0), t: Rational(0))
      total = total + (d * d).scaled(Rational(1, n))
    }
  }
  return total.scaled(Rational(1, batch.count))
}

private func exactLayer(_ layer: any Layer, _ x: [Dual], _ p: [[Dual]]) -> [Dual] {
  switch layer {
  case let conv as Conv2D:
    return window(conv.geometry, depth: conv.outputChannels, x) { d, c in c == nil ? p[1][d] : nil } weight: { d, c, u, v in
      p[0][((d * conv.geometry.channels + c) * conv.geometry.kernel + u) * conv.geometry.kernel + v]
    } reads: { _, _ in 0..<conv.geometry.channels }
  case let conv as DepthwiseConv2D:
    return window(conv.geometry, depth: conv.geometry.channels, x) { d, c in c == nil ? p[1][d] : nil } weight: { d, _, u, v in
      p[0][(d * conv.geometry.kernel + u) * conv.geometry.kernel + v]
    } reads: { d, _ in d..<(d + 1) }
  case let pool as AvgPool:
    let share = Dual(v: Rational(1, pool.geometry.kernel * pool.geometry.kernel), t: Rational(0))
    return window(pool.geometry, depth: pool.geometry.channels, x) { _, _ in nil } weight: { _, _, _, _ in share } reads: { d, _ in d..<(d + 1) }
  case let pool as MaxPool:
    let g = pool.geometry
    var out: [Dual] = []
    for c in 0..<g.channels {
      for p in 0..<g.outputHeight {
        for q in 0..<g.outputWidth {
          let top = (c * g.height + g.stride * p) * g.width + g.stride * q
          let window = (0..<g.kernel).flatMap { u in (0..<g.kernel).map { x[top + u * g.width + $0] } }
          out.append(window.dropFirst().reduce(window[0]) { best, e in e.v > best.v ? e : best })
        }
      }
    }
    return out
  case let pool as GlobalAvgPool:
    let plane = pool.inputShape[1] * pool.inputShape[2]
    return (0..<pool.inputShape[0]).map { c in
      x[(c * plane)..<((c + 1) * plane)].reduce(Dual.zero, +).scaled(Rational(1, plane))
    }
  case is Flatten:
    return x
  case is ReLU:
    return x.map { $0.v > Rational(0) ? $0 : .zero }
  case let dense as Dense:
    let n = dense.inputWidth
    return (0..<dense.outputWidth).map { o in
      (0..<n).reduce(p[1][o]) { sum, i in sum + p[0][o * n + i] * x[i] }
    }
  default:
    preconditionFailure("no exact reference for \(layer.name)")
  }
}

/// `y[d, p, q] = bias(d) + Σ_{c ∈ reads, u, v} weight(d, c, u, v) x[c, s p + u − pad, s q + v − pad]`,
/// zero outside the image.
private func window(
  _ g: WindowGeometry, depth: Int, _ x: [Dual], bias: (Int, Int?) -> Dual?, weight: (Int, Int, Int, Int) -> Dual,
  reads: (Int, Int) -> Range<Int>
) -> [Dual] {
  var out: [Dual] = []
  for d in 0..<depth {
    for p in 0..<g.outputHeight {
      for q in 0..<g.outputWidth {
        var sum = bias(d, nil) ?? .zero
        for c in reads(d, 0) {
          for u in 0..<g.kernel {
            let h = g.stride * p + u - g.padding
            guard h >= 0 && h < g.height else { continue }
            for v in 0..<g.kernel {
              let w = g.stride * q + v - g.padding
              guard w >= 0 && w < g.width else { continue }
              sum = sum + weight(d, c, u, v) * x[(c * g.height + h) * g.width + w]
            }
          }
        }
        out.append(sum)
      }
    }
  }
  return out
}
