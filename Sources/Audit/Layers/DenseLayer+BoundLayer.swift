import Exact

extension DenseLayer: BoundLayer {
  public var kind: String { "dense" }
  public var isAffine: Bool { true }

  /// `W x + b`, exactly (a zero weight or input skips its product).
  public func output(at input: [Rational]) -> [Rational] {
    precondition(input.count == inputWidth, "dense: \(input.count) inputs, the layer takes \(inputWidth)")
    return (0..<outputWidth).map { o in
      var sum = Rational(exactlyFloat: bias[o])
      for i in 0..<inputWidth {
        let w = weight(output: o, input: i)
        if w != 0, !input[i].isZero { sum += Rational(exactlyFloat: w) * input[i] }
      }
      return sum
    }
  }

  public func transformer<A: BoundArithmetic>(in arithmetic: A) -> any EnclosureTransformer<A> {
    DenseEnclosure(layer: self, arithmetic: arithmetic)
  }
}

/// A dense layer's weights and bias as enclosures, with the arithmetic's prepared map if it has one.
struct DenseEnclosure<Arithmetic: BoundArithmetic>: EnclosureTransformer {
  typealias Bound = Arithmetic.Bound
  let arithmetic: Arithmetic
  let inputWidth: Int, outputWidth: Int
  /// `W` row-major `[out, in]`, and `b`.
  let weights: [Bound], bias: [Bound]
  let map: AffineMap<Bound>?

  init(layer: DenseLayer, arithmetic: Arithmetic) {
    self.init(
      arithmetic: arithmetic, inputWidth: layer.inputWidth, outputWidth: layer.outputWidth,
      weights: layer.weights.map(arithmetic.enclosure), bias: layer.bias.map(arithmetic.enclosure))
  }

  init(arithmetic: Arithmetic, inputWidth: Int, outputWidth: Int, weights: [Bound], bias: [Bound]) {
    self.arithmetic = arithmetic
    self.inputWidth = inputWidth
    self.outputWidth = outputWidth
    self.weights = weights
    self.bias = bias
    map = arithmetic.affineMap(rows: outputWidth, columns: inputWidth, weights: weights, bias: bias)
  }

  /// `W x + b` on enclosures, row by row (or through the prepared map).
  func propagate(_ input: [Bound]) -> [Bound] {
    if let map { return map.apply(input) }
    return (0..<outputWidth).map { o in
      arithmetic.affine(weights[(o * inputWidth)..<((o + 1) * inputWidth)], input, bias: bias[o])
    }
  }

  /// `Λ · (W x + b) + γ = (Λ W) · x + (γ + Λ · b)`: exact substitution, no relaxation. Coefficients
  /// that are exactly 0 (an inactive ReLU above) are skipped.
  func substitute(_ rows: inout [[Bound]], _ constants: inout [Bound], input: [Bound]) {
    let zero = arithmetic.enclosure(Rational(0))
    for r in rows.indices {
      var next = [Bound](repeating: zero, count: inputWidth)
      for j in 0..<outputWidth {
        let coefficient = rows[r][j]
        if arithmetic.isNonnegative(coefficient) && arithmetic.isNonpositive(coefficient) { continue }
        arithmetic.addProduct(&constants[r], coefficient, bias[j])
        let row = j * inputWidth
        for i in 0..<inputWidth { arithmetic.addProduct(&next[i], coefficient, weights[row + i]) }
      }
      rows[r] = next
    }
  }
}
