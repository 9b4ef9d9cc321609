import Exact

/// An affine map `y = W x + b` whose `W` is sparse, stored by rows: a convolution, average and
/// global average pooling, batch norm in evaluation form (folded to a scale and shift per
/// channel) and flatten are all of this form, bounded without a dense matrix
/// (`SparseAffineLayer+Convolution.swift` builds them). Coefficients are exact rationals: a
/// Float32 convolution weight exactly, an average's `1/k²` exactly.
///
/// Images are flat vectors in the trainer's layout, channels first: `x[(c * H + h) * W + w]`.
public struct SparseAffineLayer: Sendable {
  /// `"conv2d"`, `"avgpool"`, `"global_avgpool"`, `"batchnorm"`, `"flatten"`.
  public let kind: String
  public let inputWidth: Int
  public let outputWidth: Int
  /// Row `o`'s entries are `columns[rowStart[o]..<rowStart[o + 1]]` with `coefficients` alike.
  let rowStart: [Int]
  let columns: [Int]
  let coefficients: [Rational]
  let bias: [Rational]

  /// A layer from its rows: for each output, `(input, coefficient)` pairs (zeros may be left out).
  /// - Throws: `AuditError.invalidArgument` for a row count other than `bias.count`, or an input
  ///   index outside `0..<inputWidth`.
  public init(kind: String, inputWidth: Int, rows: [[(input: Int, coefficient: Rational)]], bias: [Rational]) throws(AuditError) {
    guard inputWidth >= 1, !rows.isEmpty, rows.count == bias.count else {
      throw AuditError.invalidArgument("\(kind): \(rows.count) rows, \(bias.count) biases, \(inputWidth) inputs")
    }
    var rowStart = [0], columns: [Int] = [], coefficients: [Rational] = []
    for (o, row) in rows.enumerated() {
      for (i, w) in row where !w.isZero {
        guard (0..<inputWidth).contains(i) else {
          throw AuditError.invalidArgument("\(kind): output \(o) reads input \(i), outside 0..<\(inputWidth)")
        }
        columns.append(i)
        coefficients.append(w)
      }
      rowStart.append(columns.count)
    }
    self.kind = kind
    self.inputWidth = inputWidth
    outputWidth = rows.count
    self.rowStart = rowStart
    self.columns = columns
    self.coefficients = coefficients
    self.bias = bias
  }

  /// The positions of row `o`'s entries in `columns` and `coefficients`.
  func row(_ o: Int) -> Range<Int> { rowStart[o]..<rowStart[o + 1] }
}

extension SparseAffineLayer: BoundLayer {
  public var isAffine: Bool { true }

  public func output(at input: [Rational]) -> [Rational] {
    precondition(input.count == inputWidth, "\(kind): \(input.count) inputs, the layer takes \(inputWidth)")
    return (0..<outputWidth).map { o in
      var sum = bias[o]
      for e in row(o) where !input[columns[e]].isZero { sum += coefficients[e] * input[columns[e]] }
      return sum
    }
  }

  public func transformer<A: BoundArithmetic>(in arithmetic: A) -> any EnclosureTransformer<A> {
    SparseAffineEnclosure(layer: self, arithmetic: arithmetic)
  }
}

/// A sparse affine layer's coefficients as enclosures.
struct SparseAffineEnclosure<Arithmetic: BoundArithmetic>: EnclosureTransformer {
  typealias Bound = Arithmetic.Bound
  let layer: SparseAffineLayer
  let arithmetic: Arithmetic
  let coefficients: [Bound], bias: [Bound]

  init(layer: SparseAffineLayer, arithmetic: Arithmetic) {
    self.layer = layer
    self.arithmetic = arithmetic
    coefficients = layer.coefficients.map(arithmetic.enclosure)
    bias = layer.bias.map(arithmetic.enclosure)
  }

  func propagate(_ input: [Bound]) -> [Bound] {
    (0..<layer.outputWidth).map { o in
      var sum = bias[o]
      for e in layer.row(o) { arithmetic.addProduct(&sum, coefficients[e], input[layer.columns[e]]) }
      return sum
    }
  }

  /// `Λ · (W x + b) + γ = (Λ W) · x + (γ + Λ · b)`, over the stored entries only.
  func substitute(_ rows: inout [[Bound]], _ constants: inout [Bound], input: [Bound]) {
    let zero = arithmetic.enclosure(Rational(0))
    for r in rows.indices {
      var next = [Bound](repeating: zero, count: layer.inputWidth)
      for o in 0..<layer.outputWidth {
        let coefficient = rows[r][o]
        if arithmetic.isNonnegative(coefficient) && arithmetic.isNonpositive(coefficient) { continue }
        arithmetic.addProduct(&constants[r], coefficient, bias[o])
        for e in layer.row(o) { arithmetic.addProduct(&next[layer.columns[e]], coefficient, coefficients[e]) }
      }
      rows[r] = next
    }
  }
}
