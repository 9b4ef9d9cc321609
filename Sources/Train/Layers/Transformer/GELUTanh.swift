/// GELU's tanh approximation (PyTorch's `approximate='tanh'`), certified block `gelu_tanh`
/// (`Theorems/transformer.thm`): with `u = √(2/π) (x + 0.044715 x³)`,
/// `y = (1/2) x (1 + tanh(u))`,
/// `vjp x = ((1/2)(1 + tanh(u)) + (1/2) x (1 - tanh(u)²) √(2/π) (1 + 0.134145 x²)) dy`.
///
/// Another function than `GELU`'s erf form, hence its own block; the layer plumbing is `GELU`'s
/// (the forward pass keeps `tanh(u)` for the backward pass).
public final class GELUTanh: GELU {
  public override class var certifiedBlock: String { "gelu_tanh" }

  static let cubic = 0.044715

  override class func forwardFloat(x: UnsafeMatrix<Float>, into y: UnsafeMatrix<Float>, keeping kept: UnsafeMatrix<Float>) {
    tanhForward(x: x, into: y, keeping: kept)
  }
  override class func backwardFloat(
    x: UnsafeMatrix<Float>, kept: UnsafeMatrix<Float>, outputGradient dy: UnsafeMatrix<Float>, into dx: UnsafeMatrix<Float>
  ) {
    tanhBackward(x: x, kept: kept, outputGradient: dy, into: dx)
  }
  override class func forward<S: TrainScalar>(x: UnsafeMatrix<S>, into y: UnsafeMatrix<S>, keeping kept: UnsafeMatrix<S>) {
    tanhForward(x: x, into: y, keeping: kept)
  }
  override class func backward<S: TrainScalar>(
    x: UnsafeMatrix<S>, kept: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>
  ) {
    tanhBackward(x: x, kept: kept, outputGradient: dy, into: dx)
  }

  /// `y = (1/2) x (1 + tanh(u))`, keeping `tanh(u)`.
  static func tanhForward<S: TrainScalar>(x: UnsafeMatrix<S>, into y: UnsafeMatrix<S>, keeping kept: UnsafeMatrix<S>) {
    let (xs, ys, ts) = (x.base, y.base, kept.base)
    let half: S = 1 / 2, c = S((2 / Double.pi).squareRoot()), a = S(cubic)
    for k in 0..<x.count {
      let v = xs[k]
      let t = S.hyperbolicTangent(c * (v + a * v * v * v))
      ts[k] = t
      ys[k] = half * v * (1 + t)
    }
  }

  /// The rule, with `tanh(u)` as the forward pass kept it.
  static func tanhBackward<S: TrainScalar>(x: UnsafeMatrix<S>, kept: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>) {
    let (xs, ts, dys, dxs) = (x.base, kept.base, dy.base, dx.base)
    let half: S = 1 / 2, c = S((2 / Double.pi).squareRoot()), a3 = S(3 * cubic)
    for k in 0..<x.count {
      let (v, t) = (xs[k], ts[k])
      dxs[k] = (half * (1 + t) + half * v * (1 - t * t) * c * (1 + a3 * v * v)) * dys[k]
    }
  }
}
