import Exact

/// A sequential network of bound layers whose last layer is dense: its outputs are the logits, and
/// the margins `z_true − z_j` are bounded through it folded (`(W[t] − W[j]) h + b[t] − b[j]`), never
/// through separate logit bounds.
///
/// Every layer kind brings its own bounds (`BoundLayer`); the engines (`IntervalBounds`,
/// `FastBounds`) only chain them.
///
/// ```swift
/// let net = try LayerNetwork(layers: [
///   try DenseLayer(inputWidth: 2, outputWidth: 3, weights: [1, -1, 0.5, 2, 0, -1], bias: [0, 0, 0]),
///   ReLULayer(width: 3),
///   try DenseLayer(inputWidth: 3, outputWidth: 2, weights: [1, 0, 1, 0, 1, -1], bias: [0, 0]),
/// ])
/// net.logits(at: [Rational(1, 2), Rational(1, 4)])   // exact
/// ```
public struct LayerNetwork: Sendable {
  /// The layers, input first; the last is `head`.
  public let layers: [any BoundLayer]
  /// The last layer, whose outputs are the logits.
  public let head: DenseLayer
  /// The input's image shape when the network was read from a CNN's checkpoint (`input CxHxW`);
  /// nil for a flat input.
  public internal(set) var inputImage: ImageShape?

  /// A network of `layers`.
  /// - Throws: `AuditError.invalidArgument` for no layers, a last layer that is not dense, fewer
  ///   than 2 outputs, or a layer whose input width is not its predecessor's output width.
  public init(layers: [any BoundLayer]) throws(AuditError) {
    guard let last = layers.last else { throw AuditError.invalidArgument("a network needs at least one layer") }
    guard let head = last as? DenseLayer else {
      throw AuditError.invalidArgument(
        "the last layer is \(last.kind), not dense: the margins are bounded through a dense output layer")
    }
    guard head.outputWidth >= 2 else {
      throw AuditError.invalidArgument("a classifier needs at least 2 outputs, this one has \(head.outputWidth)")
    }
    for k in 1..<layers.count where layers[k].inputWidth != layers[k - 1].outputWidth {
      throw AuditError.invalidArgument(
        "layer \(k + 1) (\(layers[k].kind)) takes \(layers[k].inputWidth) inputs but layer \(k) (\(layers[k - 1].kind)) "
          + "gives \(layers[k - 1].outputWidth)")
    }
    self.layers = layers
    self.head = head
  }

  /// The number of inputs.
  public var inputWidth: Int { layers[0].inputWidth }
  /// The number of classes (logits).
  public var classes: Int { head.outputWidth }
  /// The layers before the head.
  var body: ArraySlice<any BoundLayer> { layers.dropLast() }

  /// The input width, then each affine layer's output width: `[784, 256, 10]` for a dense/ReLU
  /// network.
  public var widths: [Int] { [inputWidth] + layers.filter(\.isAffine).map(\.outputWidth) }

  /// The layer kinds in order: `"dense-relu-dense"`.
  public var kinds: String { layers.map(\.kind).joined(separator: "-") }

  /// The positions (0-based) of the layers whose inputs CROWN bounds: the non-affine ones.
  var relaxedPositions: [Int] { layers.indices.filter { !layers[$0].isAffine } }
}

// MARK: - Exact evaluation

extension LayerNetwork {
  /// True when every layer maps rationals to rationals, so `logits(at:)` is exact; false when a
  /// layer is known by enclosures only (a batch norm folded from its statistics).
  public var isRational: Bool { layers.allSatisfy(\.isRational) }

  /// The logits of the real-number network at `input`, exactly.
  /// - Precondition: `input.count == inputWidth` and `isRational` (else `logitEnclosures(at:)`).
  public func logits(at input: [Rational]) -> [Rational] {
    precondition(input.count == inputWidth, "logits(at:) needs \(inputWidth) inputs, got \(input.count)")
    precondition(isRational, "logits(at:): a layer is known by enclosures only; use logitEnclosures(at:)")
    return layers.reduce(input) { $1.output(at: $0) }
  }

  /// Rational enclosures of the logits of the real-number network at `input`: the point pushed
  /// through each layer's exact-arithmetic transformer. Points (the exact logits) when the network
  /// is rational; otherwise as narrow as the enclosed layers' coefficients.
  /// - Precondition: `input.count == inputWidth`.
  public func logitEnclosures(at input: [Rational]) -> [RationalInterval] {
    precondition(input.count == inputWidth, "logitEnclosures(at:) needs \(inputWidth) inputs, got \(input.count)")
    if isRational { return logits(at: input).map { RationalInterval($0) } }
    let arithmetic = ExactArithmetic()
    return layers.reduce(input.map { RationalInterval($0) }) { $1.transformer(in: arithmetic).propagate($0) }
  }

  /// The class with the largest logit at `input` in the exact network, or nil when the largest
  /// logit is shared (a tie has no class). In a network with enclosed layers, nil also when the
  /// enclosures do not separate the largest logit from the others (a near-tie within their width,
  /// about 2⁻¹²⁰ of the logits': counted as no class, never as a wrong one).
  public func predictedClass(at input: [Rational]) -> Int? {
    if !isRational {
      let z = logitEnclosures(at: input)
      return z.indices.first { best in z.indices.allSatisfy { $0 == best || z[$0].upper < z[best].lower } }
    }
    let z = logits(at: input)
    guard let best = z.indices.max(by: { z[$0] < z[$1] }) else { return nil }
    return z.indices.contains { $0 != best && z[$0] == z[best] } ? nil : best
  }
}

extension DenseNetwork {
  /// The same network as bound layers: `dense, relu, dense, ..., dense`.
  public var layerNetwork: LayerNetwork {
    var sequence: [any BoundLayer] = []
    for (k, layer) in layers.enumerated() {
      sequence.append(layer)
      if k + 1 < layers.count { sequence.append(ReLULayer(width: layer.outputWidth)) }
    }
    return try! LayerNetwork(layers: sequence)  // a DenseNetwork's widths chain and it has ≥ 2 classes
  }
}
