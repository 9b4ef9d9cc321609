import Intervals
import Train

/// The floating-point error model of a layer that reads two values of one shape (`add`, `mul`):
/// operand `x` is value `x` and `z` value `z` of the model (`ErrorPropagation`'s numbering).
protocol BinaryGradientErrorModel: Layer {
  /// An entrywise bound on `|ŷ − y|` for layer `k`'s outputs.
  func forwardError(at k: Int, x: Int, z: Int, _ p: ErrorPropagation) -> [Double]
  /// Entrywise bounds on the errors of the gradients of `x` and `z`, given the bound `dy` of the
  /// error of the Float32 output gradient.
  func backwardError(at k: Int, x: Int, z: Int, dy: [Double], _ p: ErrorPropagation) -> (dx: [Double], dz: [Double])
}

extension Add: BinaryGradientErrorModel {
  /// `ŷ = fl(x̂ + ẑ)`: `|ŷ − y| ≤ E_x + E_z + u |x̂ + ẑ|` (a sum has no underflow term), with
  /// `|x̂ + ẑ| ≤ |y| + E_x + E_z`.
  func forwardError(at k: Int, x: Int, z: Int, _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let (ex, ez, y) = (p.errors[x], p.errors[z], p.magnitudes[k + 1])
    return y.indices.map { j in (ex[j] + ez[j] + B.u * (y[j] + ex[j] + ez[j])) * B.safety }
  }

  /// Both gradients are copies of `dy` (`vjp x = dy`, `vjp z = dy`): exact.
  func backwardError(at k: Int, x: Int, z: Int, dy: [Double], _ p: ErrorPropagation) -> (dx: [Double], dz: [Double]) {
    (dy, dy)
  }
}

extension Mul: BinaryGradientErrorModel {
  /// `ŷ = fl(x̂ ẑ)`: `|x̂ ẑ − x z| ≤ |x| E_z + |z| E_x + E_x E_z`, and the product's rounding
  /// `u |x̂ ẑ| + η/2` with `|x̂ ẑ| ≤ (|x| + E_x)(|z| + E_z)`.
  func forwardError(at k: Int, x: Int, z: Int, _ p: ErrorPropagation) -> [Double] {
    Self.productError(p.magnitudes[x], p.errors[x], p.magnitudes[z], p.errors[z])
  }

  /// `dx = fl(ẑ dŷ)` and `dz = fl(x̂ dŷ)`: products as in the forward pass, `|dy|` from the seed.
  func backwardError(at k: Int, x: Int, z: Int, dy: [Double], _ p: ErrorPropagation) -> (dx: [Double], dz: [Double]) {
    let seed = p.seedMagnitudes[k]
    return (Self.productError(p.magnitudes[z], p.errors[z], seed, dy), Self.productError(p.magnitudes[x], p.errors[x], seed, dy))
  }

  /// The error of `fl(â b̂)` for `|a| ≤ A`, `|â − a| ≤ E_a` and likewise `b`, entrywise.
  static func productError(_ a: [Double], _ ea: [Double], _ b: [Double], _ eb: [Double]) -> [Double] {
    typealias B = GradientErrorBound
    return a.indices.map { j in
      (a[j] * eb[j] + b[j] * ea[j] + ea[j] * eb[j] + B.u * (a[j] + ea[j]) * (b[j] + eb[j]) + B.eta / 2) * B.safety
    }
  }
}

extension GradientErrorBound {
  /// The error of a value's Float32 cotangent summed from its readers' contributions (the
  /// trainer's fan-out: `fl(â + b̂)`): `E_a + E_b + u (|s| + E_a + E_b)`, `|s|` the exact sum's
  /// bound. One contribution passes unchanged. More than two are not modelled (the partial sums'
  /// magnitudes are not known): `unmodelled` refuses such a model first.
  static func fanOutError(_ contributions: [[Double]], sum: [Double]) -> [Double] {
    precondition(contributions.count <= 2, "fanOutError: at most two contributions")
    guard contributions.count == 2 else { return contributions[0] }
    let (a, b) = (contributions[0], contributions[1])
    return a.indices.map { j in (a[j] + b[j] + u * (sum[j] + a[j] + b[j])) * safety }
  }
}

extension GradientErrorBound {
  /// `fanOutError` with row norms: `N_a + N_b + ‖u (|s| + E_a + E_b)‖` per row.
  static func fanOutError(_ contributions: [RowErrors], sum: [Double]) -> RowErrors {
    guard contributions.count == 2 else { return contributions[0] }
    let (a, b) = (contributions[0], contributions[1])
    let entries = fanOutError([a.entries, b.entries], sum: sum)
    let rounding = sum.indices.map { u * (sum[$0] + a.entries[$0] + b.entries[$0]) * safety }
    let norms = Normwise.affine(1, zip(a.norms, b.norms).map { ($0 + $1) * safety }, rounding: rounding, row: a.row)
    return RowErrors(entries, row: a.row, model: norms)
  }
}
