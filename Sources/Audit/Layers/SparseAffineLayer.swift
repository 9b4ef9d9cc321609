import Exact

/// An affine map `y = W x + b` whose `W` is sparse, stored by rows: a convolution, average and
/// global average pooling, batch norm in evaluation form (folded to a scale and shift per
/// channel) and flatten are all of this form, bounded without a dense matrix
/// (`SparseAffineLayer+Convolution.swift` builds them). Coefficients are exact rationals: a
/// Float32 convolution weight exactly, an average's `1/k²` exactly. A batch norm folded from its
/// statistics has irrational coefficients (`γ / √(v + ε)`): it stores rational enclosures
/// `[lower, upper]` of each and of each bias instead, and every tier bounds the layer over all
/// coefficients in them (`isRational` is then false and `output(at:)` is not available).
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
  /// The coefficients, or the lower ends of their enclosures when `upperCoefficients` is set.
  let coefficients: [Rational]
  /// The bias, or the lower ends of its enclosures when `upperBias` is set.
  let bias: [Rational]
  /// The upper ends of the coefficients' and biases' enclosures; nil when they are exact.
  let upperCoefficients: [Rational]?, upperBias: [Rational]?
  /// A convolution's shape and kernel, for the fast tier's backward product (`conv2d` sets it).
  var convolution: ConvolutionGeometry?

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
    upperCoefficients = nil
    upperBias = nil
  }

  /// A layer whose coefficients and biases are known only as enclosures (each coefficient
  /// `[lower, upper]`, one entry per row, at the same column as `rows`): a folded batch norm.
  /// - Throws: as `init(kind:inputWidth:rows:bias:)`, and `.invalidArgument` for an enclosure whose
  ///   ends are out of order or rows whose lengths differ between the two ends.
  init(
    kind: String, inputWidth: Int, lowerRows: [[(input: Int, coefficient: Rational)]], upperRows: [[Rational]],
    lowerBias: [Rational], upperBias: [Rational]
  ) throws(AuditError) {
    guard lowerRows.count == upperRows.count, upperBias.count == lowerBias.count,
      zip(lowerRows, upperRows).allSatisfy({ $0.count == $1.count })
    else { throw AuditError.invalidArgument("\(kind): the enclosures' lower and upper ends do not pair up") }
    if zip(lowerRows.joined().map(\.coefficient), upperRows.joined()).contains(where: { $0 > $1 })
      || zip(lowerBias, upperBias).contains(where: { $0 > $1 }) {
      throw AuditError.invalidArgument("\(kind): an enclosure's lower end is above its upper end")
    }
    // Entries are kept where either end is non-zero; both ends share the positions.
    let kept = zip(lowerRows, upperRows).map { low, high in zip(low, high).filter { !$0.0.coefficient.isZero || !$0.1.isZero } }
    var rowStart = [0], columns: [Int] = [], lower: [Rational] = [], upper: [Rational] = []
    for (o, row) in kept.enumerated() {
      for (entry, high) in row {
        guard (0..<inputWidth).contains(entry.input) else {
          throw AuditError.invalidArgument("\(kind): output \(o) reads input \(entry.input), outside 0..<\(inputWidth)")
        }
        columns.append(entry.input)
        lower.append(entry.coefficient)
        upper.append(high)
      }
      rowStart.append(columns.count)
    }
    guard inputWidth >= 1, !kept.isEmpty else { throw AuditError.invalidArgument("\(kind): no rows or no inputs") }
    self.kind = kind
    self.inputWidth = inputWidth
    outputWidth = kept.count
    self.rowStart = rowStart
    self.columns = columns
    coefficients = lower
    bias = lowerBias
    upperCoefficients = upper
    self.upperBias = upperBias
  }

  /// The positions of row `o`'s entries in `columns` and `coefficients`.
  func row(_ o: Int) -> Range<Int> { rowStart[o]..<rowStart[o + 1] }
}

extension SparseAffineLayer: BoundLayer {
  public var isAffine: Bool { true }
  public var isRational: Bool { upperCoefficients == nil && upperBias == nil }

  /// - Precondition: `isRational` (a layer known by enclosures has no rational output).
  public func output(at input: [Rational]) -> [Rational] {
    precondition(isRational, "\(kind): the coefficients are enclosures, so the output is not rational; bound it instead")
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
    coefficients = layer.upperCoefficients.map { zip(layer.coefficients, $0).map { arithmetic.enclosure(lower: $0, upper: $1) } }
      ?? layer.coefficients.map(arithmetic.enclosure)
    bias = layer.upperBias.map { zip(layer.bias, $0).map { arithmetic.enclosure(lower: $0, upper: $1) } } ?? layer.bias.map(arithmetic.enclosure)
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
