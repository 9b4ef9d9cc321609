import Exact

/// Max pooling over `size × size` windows with `stride` (no padding), channel by channel: each
/// output is the largest value of its window.
public struct MaxPoolLayer: Sendable {
  public let input: ImageShape
  public let output: ImageShape
  /// The window's side and step, for the fast tier's patches (`WindowedLinearization`).
  let size: Int, stride: Int
  /// Per output, the input indices of its window.
  let windows: [[Int]]

  /// - Throws: `AuditError.invalidArgument` when the window does not fit the image.
  public init(input: ImageShape, size: Int, stride: Int) throws(AuditError) {
    guard size >= 1, stride >= 1, input.height >= size, input.width >= size else {
      throw AuditError.invalidArgument("maxpool: a \(size) × \(size) window with stride \(stride) does not fit a \(input.height) × \(input.width) image")
    }
    let output = ImageShape(channels: input.channels, height: (input.height - size) / stride + 1, width: (input.width - size) / stride + 1)
    var windows: [[Int]] = []
    for c in 0..<input.channels {
      for i in 0..<output.height {
        for j in 0..<output.width {
          windows.append((0..<(size * size)).map { k in input.index(c, stride * i + k / size, stride * j + k % size) })
        }
      }
    }
    self.input = input
    self.output = output
    self.windows = windows
    self.size = size
    self.stride = stride
  }
}

extension MaxPoolLayer: BoundLayer {
  public var kind: String { "maxpool" }
  public var inputWidth: Int { input.count }
  public var outputWidth: Int { output.count }
  public var isAffine: Bool { false }

  public func output(at x: [Rational]) -> [Rational] {
    precondition(x.count == inputWidth, "maxpool: \(x.count) inputs, the layer takes \(inputWidth)")
    return windows.map { window in window.dropFirst().reduce(x[window[0]]) { max($0, x[$1]) } }
  }

  public func transformer<A: BoundArithmetic>(in arithmetic: A) -> any EnclosureTransformer<A> {
    MaxPoolEnclosure(layer: self, arithmetic: arithmetic)
  }
}

/// Max pooling on enclosures. IBP: `[max_i l_i, max_i u_i]`, exact for a box. CROWN, for a window
/// with input bounds `[l_i, u_i]` and `j*` the input of the largest lower bound:
/// - below (`λ ≥ 0`): `y ≥ x_{j*}` (the maximum is at least any of its arguments);
/// - above (`λ ≤ 0`): `y = x_{j*}` when `l_{j*} ≥ u_i` for every other `i` (that input is the
///   maximum on the whole box), else the constant `y ≤ max_i u_i`;
/// - a coefficient whose enclosure straddles 0 multiplies the enclosure of `y`, into the constant.
struct MaxPoolEnclosure<Arithmetic: BoundArithmetic>: EnclosureTransformer {
  typealias Bound = Arithmetic.Bound
  let layer: MaxPoolLayer
  let arithmetic: Arithmetic

  func propagate(_ input: [Bound]) -> [Bound] {
    layer.windows.map { window in
      let lower = window.map { arithmetic.lower(input[$0]) }.max()!, upper = window.map { arithmetic.upper(input[$0]) }.max()!
      return arithmetic.enclosure(lower: lower, upper: upper)
    }
  }

  func substitute(_ rows: inout [[Bound]], _ constants: inout [Bound], input: [Bound]) {
    let zero = arithmetic.enclosure(Rational(0))
    let outputs = propagate(input)
    // Per window: the argument of the largest lower bound, whether it dominates, the largest upper bound.
    let relaxations = layer.windows.map { window -> (best: Int, dominates: Bool, upper: Bound) in
      let lower = window.map { arithmetic.lower(input[$0]) }, upper = window.map { arithmetic.upper(input[$0]) }
      let k = lower.indices.max { lower[$0] < lower[$1] }!
      let dominates = upper.indices.allSatisfy { $0 == k || upper[$0] <= lower[k] }
      return (window[k], dominates, arithmetic.enclosure(upper.max()!))
    }
    for r in rows.indices {
      var next = [Bound](repeating: zero, count: layer.inputWidth)
      for (o, relaxation) in relaxations.enumerated() {
        let coefficient = rows[r][o]
        if arithmetic.isNonnegative(coefficient) || (arithmetic.isNonpositive(coefficient) && relaxation.dominates) {
          next[relaxation.best] = arithmetic.sum(next[relaxation.best], coefficient)
        } else if arithmetic.isNonpositive(coefficient) {
          arithmetic.addProduct(&constants[r], coefficient, relaxation.upper)
        } else {
          arithmetic.addProduct(&constants[r], coefficient, outputs[o])
        }
      }
      rows[r] = next
    }
  }
}
