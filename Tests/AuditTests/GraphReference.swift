import Audit
import Exact
import Intervals
@testable import Train

/// A graph-shaped model (residual `add`, `from`, fan-out) given by a trainer checkpoint, evaluated
/// independently of the audit's lowering: value by value over the spec's graph, each layer from
/// its definition, in MPFI at 512 bits (batch norm's square root is irrational).
struct GraphReference {
  static let precision = 512
  let checkpoint: Checkpoint
  /// The trainer's model holding the same parameters (its Float32 forward pass).
  let model: Sequential

  /// The model of `spec` with every stored array random (running variances positive), so that
  /// biases and batch norm statistics are not the trainer's zeros and ones.
  /// `biasScale` bounds biases and running means (0: none, so that the class depends on the image).
  init(_ spec: String, seed: UInt64, biasScale: Float = 0.3) throws {
    model = Sequential(uncheckedSpec: try ModelSpec(parsing: spec), seed: seed)
    var random = SeededGenerator(seed: seed &+ 77)
    for tensor in model.storedTensors {
      let positive = tensor.rule.hasSuffix(".v")
      let scale: Float = tensor.rule.hasSuffix(".b") || tensor.rule.hasSuffix(".m") ? biasScale : 0.8
      tensor.value = Tensor(shape: tensor.value.shape, scalars: (0..<tensor.value.count).map { _ in
        positive ? Float.random(in: 0.2...2, using: &random) : scale == 0 ? 0 : Float.random(in: -scale...scale, using: &random)
      })
    }
    checkpoint = Checkpoint(model: model)
  }

  var spec: ModelSpec { checkpoint.spec }

  /// Enclosures of the exact logits at `x`, from the definitions.
  func logits(at x: [Rational]) -> [Interval] {
    let p = Self.precision
    func exact(_ value: Float) -> Interval { Interval(Rational(exactlyFloat: value), precision: p) }
    let zero = Interval(0, precision: p)
    let shapes = [spec.inputShape] + spec.shapes
    var arrays = checkpoint.arrays.map(\.value.scalars).makeIterator()
    var values = [x.map { Interval($0, precision: p) }]
    for (k, layer) in spec.layers.enumerated() {
      let reads = spec.sources(of: k)
      let a = values[reads[0]], shape = shapes[reads[0]], out = shapes[k + 1]
      var y: [Interval]
      switch layer {
      case .relu: y = a.map(Interval.relu)
      case .add: y = zip(a, values[reads[1]]).map { $0 + $1 }
      case .mul: y = zip(a, values[reads[1]]).map { $0 * $1 }
      case .flatten, .dropout: y = a
      case .dense:
        let w = arrays.next()!, b = arrays.next()!
        y = b.indices.map { o in a.indices.reduce(exact(b[o])) { $0 + exact(w[o * a.count + $1]) * a[$1] } }
      case let .conv2d(channels, kernel, stride, padding):
        let w = arrays.next()!, b = arrays.next()!
        let (c, h, wd) = (shape[0], shape[1], shape[2]), (oh, ow) = (out[1], out[2])
        y = []
        for o in 0..<channels {
          for i in 0..<oh {
            for j in 0..<ow {
              var sum = exact(b[o])
              for ci in 0..<c {
                for p in 0..<kernel {
                  for q in 0..<kernel {
                    let r = i * stride + p - padding, s = j * stride + q - padding
                    guard (0..<h).contains(r) && (0..<wd).contains(s) else { continue }
                    sum += exact(w[((o * c + ci) * kernel + p) * kernel + q]) * a[(ci * h + r) * wd + s]
                  }
                }
              }
              y.append(sum)
            }
          }
        }
      case .batchnorm:
        let g = arrays.next()!, b = arrays.next()!, m = arrays.next()!, v = arrays.next()!
        let plane = shape[1] * shape[2]
        y = a.indices.map { i in
          let ch = i / plane
          let root = try! Interval.sqrt(exact(v[ch]) + exact(BatchNorm.epsilon))
          return exact(g[ch]) * (a[i] - exact(m[ch])) / root + exact(b[ch])
        }
      case .globalAvgpool:
        let plane = shape[1] * shape[2]
        y = (0..<shape[0]).map { ch in (0..<plane).reduce(zero) { $0 + a[ch * plane + $1] } / Rational(plane) }
      default:
        fatalError("GraphReference: no definition of \(layer.text)")
      }
      values.append(y)
    }
    return values.last!
  }

  /// The trainer's Float32 logits at `x`.
  func trainerLogits(_ x: [Float]) -> [Float] {
    var input = x
    return input.withUnsafeMutableBufferPointer { buffer in
      let out = model.forward(UnsafeMatrix(buffer.baseAddress!, rows: 1, columns: x.count), training: false)
      return Array(UnsafeBufferPointer(start: out.row(0), count: out.columns))
    }
  }
}
