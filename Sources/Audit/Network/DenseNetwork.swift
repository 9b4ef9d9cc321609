import Exact

import Intervals
/// A sequential dense/ReLU network: `z_1 = W_1 x + b_1`, `h_k = relu(z_k)`, `z_{k+1} = W_{k+1} h_k
/// + b_{k+1}`, with a ReLU after every layer but the last; the last layer's outputs are the logits.
///
/// The weights are Float32 values taken as exact reals: the audit bounds the real-number function
/// they define, which Float32 or Float64 inference only approximates.
///
/// ```swift
/// let net = try DenseNetwork(layers: [
///   DenseLayer(inputWidth: 2, outputWidth: 3, weights: [1, -1, 0.5, 2, 0, -1], bias: [0, 0, 0]),
///   DenseLayer(inputWidth: 3, outputWidth: 2, weights: [1, 0, 1, 0, 1, -1], bias: [0, 0]),
/// ])
/// net.logits(at: [Rational(1, 2), Rational(1, 4)])   // exact
/// ```
public struct DenseNetwork: Sendable, Equatable {
  /// The layers, input first.
  public let layers: [DenseLayer]

  /// A network of `layers`.
  /// - Throws: `AuditError.invalidArgument` for no layers, fewer than 2 outputs (there is no margin
  ///   to bound), or a layer whose input width is not its predecessor's output width.
  public init(layers: [DenseLayer]) throws(AuditError) {
    guard let last = layers.last else { throw AuditError.invalidArgument("a network needs at least one layer") }
    guard last.outputWidth >= 2 else {
      throw AuditError.invalidArgument("a classifier needs at least 2 outputs, this one has \(last.outputWidth)")
    }
    for k in 1..<layers.count where layers[k].inputWidth != layers[k - 1].outputWidth {
      throw AuditError.invalidArgument(
        "layer \(k + 1) takes \(layers[k].inputWidth) inputs but layer \(k) gives \(layers[k - 1].outputWidth)")
    }
    self.layers = layers
  }

  /// The number of inputs.
  public var inputWidth: Int { layers[0].inputWidth }

  /// The number of classes (logits).
  public var classes: Int { layers[layers.count - 1].outputWidth }

  /// The widths from input to output: `[784, 256, 10]`.
  public var widths: [Int] { [inputWidth] + layers.map(\.outputWidth) }
}

// MARK: - Exact evaluation

extension DenseNetwork {
  /// The logits of the real-number network at `input`, exactly.
  /// - Precondition: `input.count == inputWidth`.
  public func logits(at input: [Rational]) -> [Rational] {
    preactivations(at: input).last!
  }

  /// Every layer's pre-activations `z_1, ..., z_L` at `input`, exactly; the last are the logits.
  /// - Precondition: `input.count == inputWidth`.
  public func preactivations(at input: [Rational]) -> [[Rational]] {
    precondition(input.count == inputWidth, "preactivations(at:) needs \(inputWidth) inputs, got \(input.count)")
    var h = input
    var result: [[Rational]] = []
    for layer in layers {
      let z = layer.output(at: h)
      result.append(z)
      h = z.map { $0.signum > 0 ? $0 : 0 }
    }
    return result
  }

  /// Enclosures of the logits at `input` in MPFI: interval evaluation, every operation rounded
  /// outward at the inputs' precision (a box input gives the plain interval forward pass).
  /// - Precondition: `input.count == inputWidth`.
  public func logits(at input: [Interval]) -> [Interval] {
    preactivations(at: input).last!
  }

  /// Enclosures of every layer's pre-activations at `input` in MPFI, at the inputs' precision.
  /// - Precondition: `input.count == inputWidth`.
  public func preactivations(at input: [Interval]) -> [[Interval]] {
    precondition(input.count == inputWidth, "preactivations(at:) needs \(inputWidth) inputs, got \(input.count)")
    let precision = input.map(\.precision).max() ?? Interval.defaultPrecision
    var h = input
    var result: [[Interval]] = []
    for layer in layers {
      var z: [Interval] = []
      z.reserveCapacity(layer.outputWidth)
      for o in 0..<layer.outputWidth {
        var sum = try! Interval(Double(layer.bias[o]), precision: precision)
        for i in 0..<layer.inputWidth {
          sum += try! Interval(Double(layer.weight(output: o, input: i)), precision: precision) * h[i]
        }
        z.append(sum)
      }
      result.append(z)
      h = z.map(Interval.relu)
    }
    return result
  }

  /// The class with the largest logit at `input` in the exact network, or nil when the largest
  /// logit is shared (a tie has no class).
  public func predictedClass(at input: [Rational]) -> Int? {
    layerNetwork.predictedClass(at: input)
  }
}

extension Rational {
  /// The exact value of a finite Float.
  init(exactlyFloat value: Float) {
    precondition(value.isFinite, "weights are finite (checked when the layer is built)")
    self = try! Rational(exactly: Double(value))  // Float → Double is exact
  }
}
